import { describe, expect, it } from 'vitest';
import { idxToDataset, parseIdx, stratifiedSplit } from './idx';
import { dataErrorOf, makeIdx } from './testFixtures';

const images = (n: number, h = 4, w = 3): Uint8Array =>
  makeIdx(
    [n, h, w],
    Uint8Array.from({ length: n * h * w }, (_, i) => i & 0xff),
  );
const labels = (ls: number[]): Uint8Array => makeIdx([ls.length], Uint8Array.from(ls));

describe('parseIdx', () => {
  it('reads dims and data of images (2051) and labels (2049)', () => {
    const img = parseIdx(images(2), 'img.idx');
    expect(img.dims).toEqual([2, 4, 3]);
    expect(Array.from(img.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 4]);
    const bytes = images(2);
    expect(new DataView(bytes.buffer).getUint32(0)).toBe(2051);
    const lab = parseIdx(labels([3, 1, 4]), 'lab.idx');
    expect(lab.dims).toEqual([3]);
    expect(Array.from(lab.data)).toEqual([3, 1, 4]);
  });

  it('rejects a wrong magic number, naming the file', async () => {
    const bad = images(1);
    bad[0] = 0x50; // e.g. a PNG or text file
    const err = await dataErrorOf(() => parseIdx(bad, 'train-images-idx3-ubyte'));
    expect(err.file).toBe('train-images-idx3-ubyte');
    expect(err.message).toMatch(/^train-images-idx3-ubyte: wrong magic number .*2051/);
  });

  it('rejects an unsupported dtype', async () => {
    const err = await dataErrorOf(() => parseIdx(makeIdx([1, 2, 2], new Uint8Array(16), 0x0d), 'floats.idx'));
    expect(err.message).toMatch(/^floats\.idx: unsupported IDX dtype 0x0d \(float32\)/);
  });

  it('rejects truncated files and trailing bytes with both sizes', async () => {
    const full = images(3);
    let err = await dataErrorOf(() => parseIdx(full.subarray(0, full.length - 5), 'cut.idx'));
    expect(err.message).toMatch(/^cut\.idx: truncated: dimensions 3×4×3 need 36 data bytes, the file has 31/);
    err = await dataErrorOf(() => parseIdx(full.subarray(0, 9), 'header.idx'));
    expect(err.message).toMatch(/^header\.idx: truncated: the header .* needs 16 bytes, the file has 9/);
    err = await dataErrorOf(() => parseIdx(new Uint8Array([0, 0]), 'tiny.idx'));
    expect(err.message).toMatch(/^tiny\.idx: truncated/);
    const long = new Uint8Array(full.length + 2);
    long.set(full);
    err = await dataErrorOf(() => parseIdx(long, 'long.idx'));
    expect(err.message).toMatch(/^long\.idx: 2 trailing bytes/);
  });
});

describe('idxToDataset', () => {
  it('combines train and test pairs', () => {
    const ds = idxToDataset({
      name: 'idx',
      train: { images: images(4), imagesFile: 'tr-img', labels: labels([0, 1, 2, 1]), labelsFile: 'tr-lab' },
      test: { images: images(2), imagesFile: 'te-img', labels: labels([2, 0]), labelsFile: 'te-lab' },
    });
    expect([ds.height, ds.width, ds.channels, ds.train.count, ds.test.count]).toEqual([4, 3, 1, 4, 2]);
    expect(ds.classes).toEqual(['0', '1', '2']);
    expect(ds.flip).toBe(false);
    expect(Array.from(ds.test.labels)).toEqual([2, 0]);
  });

  it('names both files when the counts disagree', async () => {
    const err = await dataErrorOf(() =>
      idxToDataset({
        name: 'idx',
        train: {
          images: images(5),
          imagesFile: 'a-images.idx',
          labels: labels([0, 1, 2]),
          labelsFile: 'a-labels.idx',
        },
      }),
    );
    expect(err.message).toContain('a-images.idx');
    expect(err.message).toContain('a-labels.idx');
    expect(err.message).toMatch(/counts disagree: a-images\.idx has 5 images but a-labels\.idx has 3 labels/);
  });

  it('rejects labels outside the class list', async () => {
    const err = await dataErrorOf(() =>
      idxToDataset({
        name: 'x',
        classes: ['a', 'b'],
        train: { images: images(2), imagesFile: 'i', labels: labels([0, 5]), labelsFile: 'l.idx' },
      }),
    );
    expect(err.message).toMatch(/^l\.idx: label 5 is out of range for 2 classes/);
  });

  it('holds out a stratified, seeded test split when there is no test pair', () => {
    const ls = Array.from({ length: 50 }, (_, i) => i % 2);
    const ds = idxToDataset({
      name: 'idx',
      train: { images: images(50), imagesFile: 'i', labels: labels(ls), labelsFile: 'l' },
    });
    expect(ds.train.count + ds.test.count).toBe(50);
    expect(ds.test.count).toBe(10);
    expect(Array.from(ds.test.labels).filter((l) => l === 1)).toHaveLength(5);
    expect(stratifiedSplit(Uint8Array.from(ls), 0.2, 1)).toEqual(
      stratifiedSplit(Uint8Array.from(ls), 0.2, 1),
    );
  });
});
