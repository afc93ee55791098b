import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, cifarFromFiles, parseCifarBatch } from './cifar';
import { readTar } from './tar';
import { cifarPixel, dataErrorOf, makeCifarBatch, makeTar } from './testFixtures';

/** Checks that image i of a split holds cifarPixel(i + seed, ·) in HWC order. */
function expectHwc(images: Uint8Array, i: number, seed: number): void {
  for (const [y, x] of [
    [0, 0],
    [0, 31],
    [17, 5],
    [31, 31],
  ]) {
    for (let c = 0; c < 3; c++)
      expect(images[i * 3072 + (y * 32 + x) * 3 + c]).toBe(cifarPixel(i + seed, y, x, c));
  }
}

describe('parseCifarBatch', () => {
  it('converts planar CHW records to HWC pixels', () => {
    const split = parseCifarBatch(makeCifarBatch([3, 9, 0]), 'data_batch_1.bin');
    expect(split.count).toBe(3);
    expect(Array.from(split.labels)).toEqual([3, 9, 0]);
    expect(split.images.length).toBe(3 * 32 * 32 * 3);
    for (let i = 0; i < 3; i++) expectHwc(split.images, i, 0);
  });

  it('rejects a size that is not a multiple of 3,073 bytes', async () => {
    const bytes = makeCifarBatch([1, 2]).subarray(0, 6000);
    const err = await dataErrorOf(() => parseCifarBatch(bytes, 'data_batch_2.bin'));
    expect(err.file).toBe('data_batch_2.bin');
    expect(err.message).toMatch(/^data_batch_2\.bin: size 6,000 bytes is not a multiple of 3,073 bytes/);
  });

  it('rejects labels above 9', async () => {
    const err = await dataErrorOf(() => parseCifarBatch(makeCifarBatch([1, 12]), 'test_batch.bin'));
    expect(err.message).toMatch(/^test_batch\.bin: record 1 has label 12; CIFAR-10 labels are 0–9/);
  });
});

describe('cifarFromFiles', () => {
  const b1 = makeCifarBatch([0, 1, 2], 0);
  const b2 = makeCifarBatch([3, 4], 3);
  const test = makeCifarBatch([9, 8], 100);

  it('accepts loose batch files in any order', async () => {
    const ds = await cifarFromFiles([
      { name: 'dir/test_batch.bin', data: test },
      { name: 'dir/data_batch_2.bin', data: b2 },
      { name: 'dir/batches.meta.txt', data: new Uint8Array(10) },
      { name: 'dir/data_batch_1.bin', data: b1 },
    ]);
    expect(ds.classes).toEqual(CIFAR10_CLASSES);
    expect([ds.name, ds.height, ds.width, ds.channels, ds.flip]).toEqual(['cifar10', 32, 32, 3, true]);
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(ds.test.labels)).toEqual([9, 8]);
    for (let i = 0; i < 5; i++) expectHwc(ds.train.images, i, 0);
    expectHwc(ds.test.images, 1, 100);
    expect(ds.mean).toEqual([0.4914, 0.4822, 0.4465]);
  });

  it('reads the real cifar-10-binary.tar.gz layout (gzip + ustar)', async () => {
    const tar = makeTar([
      { name: 'cifar-10-batches-bin/' },
      { name: 'cifar-10-batches-bin/batches.meta.txt', data: new TextEncoder().encode('airplane\n') },
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: b1 },
      { name: 'cifar-10-batches-bin/data_batch_2.bin', data: b2 },
      { name: 'cifar-10-batches-bin/test_batch.bin', data: test },
    ]);
    const entries = readTar(tar);
    expect(entries.map((e) => e.name)).toEqual([
      'cifar-10-batches-bin/batches.meta.txt',
      'cifar-10-batches-bin/data_batch_1.bin',
      'cifar-10-batches-bin/data_batch_2.bin',
      'cifar-10-batches-bin/test_batch.bin',
    ]);
    const ds = await cifarFromFiles([{ name: 'cifar-10-binary.tar.gz', data: gzipSync(tar) }]);
    expect(ds.train.count).toBe(5);
    expect(ds.test.count).toBe(2);
    for (let i = 0; i < 5; i++) expectHwc(ds.train.images, i, 0);
    expectHwc(ds.test.images, 0, 100);
  });

  it('says test_batch.bin is missing', async () => {
    const err = await dataErrorOf(() => cifarFromFiles([{ name: 'data_batch_1.bin', data: b1 }]));
    expect(err.file).toBe('test_batch.bin');
    expect(err.message).toMatch(/^test_batch\.bin: missing/);
  });

  it('says when no training batch is given', async () => {
    const err = await dataErrorOf(() => cifarFromFiles([{ name: 'test_batch.bin', data: test }]));
    expect(err.message).toMatch(/^test_batch\.bin: no CIFAR-10 training batch found/);
  });

  it('names a truncated archive', async () => {
    const tar = makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: b1 }]);
    const err = await dataErrorOf(() =>
      cifarFromFiles([{ name: 'cifar-10-binary.tar.gz', data: gzipSync(tar.subarray(0, 4000)) }]),
    );
    expect(err.message).toMatch(
      /^cifar-10-binary\.tar\.gz: truncated: entry "cifar-10-batches-bin\/data_batch_1\.bin" needs 9,219 bytes but only 3,488 remain/,
    );
  });

  it('names a corrupt gzip archive', async () => {
    const gz = gzipSync(makeTar([{ name: 'test_batch.bin', data: test }]));
    for (let i = 15; i < 60; i++) gz[i] ^= 0x3c;
    const err = await dataErrorOf(() => cifarFromFiles([{ name: 'cifar-10-binary.tar.gz', data: gz }]));
    expect(err.message).toMatch(/^cifar-10-binary\.tar\.gz: corrupt gzip data/);
  });
});

describe('readTar', () => {
  it('rejects a corrupt header checksum', async () => {
    const tar = makeTar([{ name: 'a.bin', data: new Uint8Array(3) }]);
    tar[0] = 0x62; // rename without fixing the checksum
    const err = await dataErrorOf(() => readTar(tar, 'x.tar'));
    expect(err.message).toMatch(/^x\.tar: corrupt tar header at byte 0: checksum/);
  });

  it('rejects an archive cut inside a header', async () => {
    const tar = makeTar([
      { name: 'a.bin', data: new Uint8Array(600) },
      { name: 'b.bin', data: new Uint8Array(10) },
    ]);
    const err = await dataErrorOf(() => readTar(tar.subarray(0, 1536 + 300), 'y.tar'));
    expect(err.message).toMatch(
      /^y\.tar: truncated: the archive ends inside a 512-byte header at byte 1,536/,
    );
  });
});
