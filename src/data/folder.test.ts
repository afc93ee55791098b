import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { classCounts, datasetFromImages, decodeImages, listZipImages, type ImageEntry } from './folder';
import { dataErrorOf, encodePng } from './testFixtures';

const px = (v: number, w = 6, h = 4): ImageEntry['pixels'] => ({
  rgba: Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : v)),
  width: w,
  height: h,
});
const opts = { size: 4, channels: 3 as const, name: 'pets' };

describe('classCounts', () => {
  it('counts per class folder, strips a common root and skips clutter', () => {
    expect(
      classCounts([
        'cats/a.png',
        'cats/b.jpg',
        'dogs/c.png',
        'dogs/readme.txt',
        '.DS_Store',
        '__MACOSX/cats/._a.png',
      ]),
    ).toEqual({
      classes: [
        { name: 'cats', count: 2 },
        { name: 'dogs', count: 1 },
      ],
      unassigned: [],
    });
    expect(
      classCounts([
        'root/',
        'root/b/',
        'root/b/1.png',
        'root/a/2.png',
        'root/a10/3.png',
        'root/a2/4.png',
      ]).classes.map((c) => c.name),
    ).toEqual(['a', 'a2', 'a10', 'b']);
    expect(classCounts(['x.png', 'cats/a.png']).unassigned).toEqual(['x.png']);
  });
});

describe('datasetFromImages', () => {
  it('builds a stratified, resized dataset with classes in sorted order', () => {
    const entries: ImageEntry[] = [];
    for (let i = 0; i < 10; i++)
      entries.push(
        { path: `my/dogs/${i}.png`, pixels: px(200) },
        { path: `my/cats/${i}.png`, pixels: px(50) },
      );
    const ds = datasetFromImages(entries, opts);
    expect(ds.name).toBe('folder:pets');
    expect(ds.classes).toEqual(['cats', 'dogs']);
    expect([ds.train.count, ds.test.count]).toEqual([16, 4]);
    expect(Array.from(ds.test.labels).sort()).toEqual([0, 0, 1, 1]);
    expect(ds.train.images.length).toBe(16 * 4 * 4 * 3);
    for (let i = 0; i < ds.train.count; i++)
      expect(ds.train.images[i * 48]).toBe(ds.train.labels[i] === 0 ? 50 : 200);
    const again = datasetFromImages(entries, opts);
    expect(Array.from(again.train.labels)).toEqual(Array.from(ds.train.labels));
  });

  it('rejects a single class, naming its folder', async () => {
    const err = await dataErrorOf(() =>
      datasetFromImages(
        [
          { path: 'cats/a.png', pixels: px(1) },
          { path: 'cats/b.png', pixels: px(2) },
        ],
        opts,
      ),
    );
    expect(err.file).toBe('cats/');
    expect(err.message).toMatch(/^cats\/: only 1 class found; a classifier needs at least 2 class folders/);
  });

  it('rejects an empty class folder', async () => {
    const entries: ImageEntry[] = [
      { path: 'cats/', pixels: null },
      { path: 'cats/a.png', pixels: px(1) },
      { path: 'cats/b.png', pixels: px(1) },
      { path: 'birds/', pixels: null },
      { path: 'dogs/a.png', pixels: px(1) },
      { path: 'dogs/b.png', pixels: px(1) },
    ];
    const err = await dataErrorOf(() => datasetFromImages(entries, opts));
    expect(err.message).toMatch(/^birds\/: class folder has no images/);
  });

  it('rejects no images at all', async () => {
    const err = await dataErrorOf(() => datasetFromImages([{ path: 'notes.txt', pixels: null }], opts));
    expect(err.message).toMatch(/^pets: no images found/);
  });

  it('names an undecodable image', async () => {
    const entries: ImageEntry[] = [
      { path: 'cats/a.png', pixels: px(1) },
      { path: 'cats/broken.jpg', pixels: null },
      { path: 'dogs/a.png', pixels: px(1) },
    ];
    const err = await dataErrorOf(() => datasetFromImages(entries, opts));
    expect(err.file).toBe('cats/broken.jpg');
    expect(err.message).toMatch(/^cats\/broken\.jpg: could not be decoded as an image/);
  });

  it('names an image outside any class folder', async () => {
    const err = await dataErrorOf(() =>
      datasetFromImages(
        [
          { path: 'stray.png', pixels: px(1) },
          { path: 'cats/a.png', pixels: px(1) },
        ],
        opts,
      ),
    );
    expect(err.message).toMatch(/^stray\.png: is not inside a class folder/);
  });
});

describe('listZipImages', () => {
  it('lists images and folders, skipping clutter', () => {
    const png = encodePng({ width: 1, height: 1, colorType: 0, pixels: new Uint8Array([9]) });
    const zip = zipSync({
      'set/cats/a.png': png,
      'set/dogs/b.PNG': png,
      'set/empty/': new Uint8Array(0),
      'set/readme.md': new Uint8Array(3),
      '__MACOSX/set/._a.png': png,
    });
    const listing = listZipImages(zip, 'set.zip');
    expect(listing.images.map((i) => i.path)).toEqual(['set/cats/a.png', 'set/dogs/b.PNG']);
    expect(listing.images[0].data).toEqual(png);
    expect(listing.folders).toContain('set/empty/');
  });

  it('rejects a zip with no images, naming it', async () => {
    const zip = zipSync({ 'docs/readme.txt': new TextEncoder().encode('hi') });
    const err = await dataErrorOf(() => listZipImages(zip, 'photos.zip'));
    expect(err.message).toMatch(/^photos\.zip: contains no images/);
  });

  it('rejects a corrupt zip, naming it', async () => {
    const err = await dataErrorOf(() => listZipImages(new Uint8Array([1, 2, 3, 4, 5]), 'bad.zip'));
    expect(err.message).toMatch(/^bad\.zip: not a readable zip archive/);
  });
});

describe('decodeImages', () => {
  it('decodes with the injected decoder and marks failures as undecodable', async () => {
    const decode = async (bytes: Uint8Array): Promise<ImageEntry['pixels']> => {
      if (bytes[0] === 0) throw new Error('bad');
      return { rgba: new Uint8Array(4).fill(bytes[0]), width: 1, height: 1 };
    };
    const entries = await decodeImages(
      [
        { path: 'a/', data: undefined },
        { path: 'a/x.png', data: new Uint8Array([7]) },
        { path: 'a/y.png', data: new Uint8Array([0]) },
      ],
      decode,
    );
    expect(entries.map((e) => [e.path, e.pixels?.rgba[0] ?? null])).toEqual([
      ['a/', null],
      ['a/x.png', 7],
      ['a/y.png', null],
    ]);
  });
});
