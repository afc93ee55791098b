/**
 * Input budgets (limits.ts), checked before allocation: each refusal names the file and the limit.
 * Small versions of the bombs here (the limit lowered where the loader takes one); the full-size
 * bombs and the peak memory they cause are in memoryBombs.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { blackPng, gzipZeros, pngWithData, zipZeros, zlibZeros } from './bombFixtures';
import { datasetFromImages, decodeImages, listZipImages } from './folder';
import { gunzipChecked, maybeGunzip } from './gzip';
import { idxToDataset } from './idx';
import { readImageSize } from './imageHeader';
import { checkDatasetBytes, checkFileSize, checkLabels, datasetBudget, LIMITS } from './limits';
import { decodePng } from './png';
import { dataErrorOf, encodePng, makeIdx } from './testFixtures';

const MiB = 2 ** 20;

describe('decompressed bytes', () => {
  it('stops a gzip stream past the limit, on both inflaters, naming the file and the limit', async () => {
    const bomb = gzipZeros(8 * MiB);
    let err = await dataErrorOf(() => maybeGunzip(bomb, 'cifar-10-binary.tar.gz', 4 * MiB));
    expect(err.message).toBe(
      'cifar-10-binary.tar.gz: decompresses to more than 4 MiB, the limit for one file: not a dataset this playground can hold (or a decompression bomb)',
    );
    err = await dataErrorOf(() => gunzipChecked(bomb, 'x.gz', 4 * MiB));
    expect(err.message).toMatch(/^x\.gz: decompresses to more than 4 MiB/);
    // At the limit it inflates, exactly.
    expect((await maybeGunzip(bomb, 'ok.gz', 8 * MiB)).length).toBe(8 * MiB);
    expect(gunzipChecked(bomb, 'ok.gz', 8 * MiB).length).toBe(8 * MiB);
  });

  it('refuses a zip whose images declare more than the limit, before inflating them', async () => {
    const bomb = zipZeros([
      { name: 'cats/a.png', bytes: 200 * MiB },
      { name: 'dogs/b.png', bytes: 100 * MiB },
    ]);
    expect(bomb.length).toBeLessThan(400_000);
    const err = await dataErrorOf(() => listZipImages(bomb, 'pets.zip'));
    expect(err.message).toMatch(/^pets\.zip: decompresses to more than 256 MiB/);
    // Files that are not images are skipped unread, whatever they declare.
    const other = zipZeros([
      { name: 'notes/big.bin', bytes: 300 * MiB },
      { name: 'cats/a.png', bytes: 10 },
    ]);
    expect(listZipImages(other, 'ok.zip').images.map((i) => i.path)).toEqual(['cats/a.png']);
  });
});

describe('images', () => {
  it('refuses a PNG whose header is over the image budget without inflating it', async () => {
    const huge = blackPng(8192, 8192);
    expect(huge.length).toBeLessThan(300_000);
    const err = await dataErrorOf(() => decodePng(huge, 'cats/huge.png'));
    expect(err.message).toMatch(
      /^cats\/huge\.png: image of 8192×8192 pixels is over the limit of 8192 pixels a side and 16\.8 megapixels/,
    );
    expect(readImageSize(huge)).toEqual({ width: 8192, height: 8192, format: 'png' });
  });

  it('refuses a 1×1 PNG whose data inflates past what the image needs', async () => {
    const bomb = pngWithData(1, 1, zlibZeros(64 * MiB));
    const err = await dataErrorOf(() => decodePng(bomb, 'tiny.png'));
    expect(err.message).toBe(
      'tiny.png: corrupt PNG: its image data inflates past the 4 bytes a 1×1 image needs (a decompression bomb?)',
    );
    expect(Array.from(decodePng(blackPng(1, 1), 'ok.png').rgba)).toEqual([0, 0, 0, 255]);
  });

  it('reads the declared size of PNG, JPEG, GIF, BMP and WebP headers', () => {
    const jpeg = Uint8Array.from([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0,
      16,
      ...new Array(14).fill(0),
      0xff,
      0xc0,
      0,
      17,
      8,
      0x01,
      0x2c,
      0x02,
      0x58,
      3,
    ]);
    expect(readImageSize(jpeg)).toEqual({ width: 600, height: 300, format: 'jpeg' });
    const gif = Uint8Array.from([...'GIF89a'].map((c) => c.charCodeAt(0)).concat([0x20, 0x03, 0x58, 0x02]));
    expect(readImageSize(gif)).toEqual({ width: 800, height: 600, format: 'gif' });
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    const bv = new DataView(bmp.buffer);
    bv.setInt32(14, 40, true);
    bv.setInt32(18, 9000, true);
    bv.setInt32(22, -20, true);
    expect(readImageSize(bmp)).toEqual({ width: 9000, height: 20, format: 'bmp' });
    const webp = new Uint8Array(30);
    webp.set(
      [...'RIFF'].map((c) => c.charCodeAt(0)),
      0,
    );
    webp.set(
      [...'WEBPVP8X'].map((c) => c.charCodeAt(0)),
      8,
    );
    webp.set([0xff, 0x1f, 0x00, 0x0f, 0x00, 0x00], 24); // 8192 × 16
    expect(readImageSize(webp)).toEqual({ width: 8192, height: 16, format: 'webp' });
    expect(readImageSize(new TextEncoder().encode('not an image at all'))).toBeNull();
  });

  it('decodes, shrinks and drops one image at a time, and stops at an image over the budget', async () => {
    const small = encodePng({ width: 4, height: 4, colorType: 2, pixels: new Uint8Array(48).fill(200) });
    const reads: string[] = [];
    const files = ['a/1.png', 'a/2.png', 'b/3.png', 'b/4.png'].map((path) => ({
      path,
      read: async () => {
        reads.push(path);
        return small;
      },
    }));
    const fit = { size: 2, channels: 3 as const };
    const entries = await decodeImages(files, async (b, p) => decodePng(b, p), fit);
    expect(entries.every((e) => e.pixels === null && e.fitted?.length === 12)).toBe(true);
    expect(datasetFromImages(entries, { ...fit, name: 'f' }).classes).toEqual(['a', 'b']);
    const bad = [
      ...files.slice(0, 1),
      { path: 'b/huge.png', read: async () => blackPng(5000, 5000) },
      ...files,
    ];
    reads.length = 0;
    const err = await dataErrorOf(() => decodeImages(bad, async (b, p) => decodePng(b, p), fit));
    expect(err.message).toMatch(/^b\/huge\.png: image of 5000×5000 pixels is over the limit/);
    expect(reads).toEqual(['a/1.png']); // nothing after the refused image was read
  });
});

describe('dataset and labels', () => {
  it('refuses a folder dataset over the memory budget before allocating it', async () => {
    const entries = Array.from({ length: 4 }, (_, i) => ({
      path: `${i % 2 ? 'a' : 'b'}/${i}.png`,
      pixels: null,
      fitted: new Uint8Array(64 * 64 * 3),
    }));
    const err = await dataErrorOf(() =>
      datasetFromImages(entries, {
        size: 64,
        channels: 3,
        name: 'pets',
        availableBytes: 8 * 4 * 64 * 64 * 3,
      }),
    );
    expect(err.message).toMatch(/^pets: the dataset's images take 96 KiB; at most 48 KiB fit/);
    expect(datasetBudget()).toBe(LIMITS.datasetBytes);
    expect(datasetBudget(2 * 2 ** 30)).toBe(256 * MiB);
    expect(() => checkDatasetBytes('x', LIMITS.datasetBytes)).not.toThrow();
    expect(() => checkFileSize('big.bin', LIMITS.fileBytes + 1)).toThrow(
      /^big\.bin: is 256 MiB; files of at most 256 MiB/,
    );
  });

  it('labels must be 0..K−1 with every class present, 2 ≤ K ≤ the maximum', async () => {
    expect(checkLabels(Uint8Array.from([0, 1, 2, 1]), Uint8Array.from([2]), 'l')).toBe(3);
    let err = await dataErrorOf(() => checkLabels(Uint8Array.from([0, 1, 2, 255]), null, 'train-labels'));
    expect(err.message).toBe(
      'train-labels: label 255: labels must be 0..K−1 with at most 100 classes (K ≤ 100)',
    );
    err = await dataErrorOf(() => checkLabels(Uint8Array.from([0, 1, 9, 1]), null, 'l'));
    expect(err.message).toBe(
      'l: labels must be 0..K−1 with every class present: label 9 makes K = 10, but classes 2, 3, …, 8 (7 of them) have no training image',
    );
    err = await dataErrorOf(() => checkLabels(Uint8Array.from([0, 3, 3]), null, 'l'));
    expect(err.message).toMatch(/but classes 1, 2 have no training image$/);
    err = await dataErrorOf(() => checkLabels(Uint8Array.from([4, 4, 4]), null, 'one'));
    expect(err.message).toBe(
      'one: every training image has label 4: a classifier needs at least 2 classes (labels 0..K−1)',
    );
    err = await dataErrorOf(() => checkLabels(Uint8Array.from([0, 0]), Uint8Array.from([1]), 'test-only'));
    expect(err.message).toMatch(/every training image has label 0/);
  });

  it('an IDX label file with a stray 255, or one class, is refused naming the file', async () => {
    const imgs = makeIdx([6, 2, 2], new Uint8Array(24));
    const pair = (ls: number[]) => ({
      images: imgs,
      imagesFile: 'train-images',
      labels: makeIdx([6], Uint8Array.from(ls)),
      labelsFile: 'train-labels',
    });
    let err = await dataErrorOf(() => idxToDataset({ name: 'idx', train: pair([0, 1, 0, 1, 0, 255]) }));
    expect(err.message).toMatch(/^train-labels: label 255: labels must be 0\.\.K−1 with at most 100 classes/);
    err = await dataErrorOf(() => idxToDataset({ name: 'idx', train: pair([0, 0, 0, 0, 0, 0]) }));
    expect(err.message).toMatch(/^train-labels: every training image has label 0/);
    expect(idxToDataset({ name: 'idx', train: pair([0, 1, 0, 1, 0, 1]) }).classes).toEqual(['0', '1']);
  });
});
