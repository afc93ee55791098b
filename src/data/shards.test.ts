import { describe, expect, it } from 'vitest';
import { decodeShards, encodeShards, fnv1a32 } from './shards';
import { generateShapes } from './shapes';
import { dataErrorOf, sameBytes } from './testFixtures';

describe('shards', () => {
  it('FNV-1a matches the reference values', () => {
    expect(fnv1a32(new Uint8Array(0))).toBe('811c9dc5');
    expect(fnv1a32(new TextEncoder().encode('a'))).toBe('e40c292c');
    expect(fnv1a32(new TextEncoder().encode('foobar'))).toBe('bf9cf968');
  });

  it('round-trips a dataset (with masks) through manifest + files', () => {
    const ds = generateShapes({ trainCount: 40, testCount: 20 });
    const { manifest, files } = encodeShards(ds);
    expect(manifest.format).toBe('samix-shards');
    expect(files.map((f) => f.name)).toEqual([
      'train-images.bin',
      'train-labels.bin',
      'train-masks.bin',
      'test-images.bin',
      'test-labels.bin',
      'test-masks.bin',
    ]);
    expect(manifest.splits.train.bytes['train-images.bin']).toBe(40 * 32 * 32 * 3);
    const back = decodeShards(
      JSON.parse(JSON.stringify(manifest)),
      files.map((f) => ({ name: f.name, data: f.data.slice() })),
    );
    expect(back.classes).toEqual(ds.classes);
    expect([back.height, back.width, back.channels, back.flip]).toEqual([32, 32, 3, true]);
    expect(back.mean).toEqual(ds.mean);
    expect(sameBytes(back.train.images, ds.train.images)).toBe(true);
    expect(sameBytes(back.test.labels, ds.test.labels)).toBe(true);
    expect(sameBytes(back.test.objectMasks, ds.test.objectMasks)).toBe(true);
  });

  it('reports a checksum mismatch with both values', async () => {
    const { manifest, files } = encodeShards(generateShapes({ trainCount: 10, testCount: 10 }));
    const tampered = files.map((f) => ({ name: f.name, data: f.data.slice() }));
    tampered[0].data[5] ^= 1;
    const err = await dataErrorOf(() => decodeShards(manifest, tampered));
    expect(err.file).toBe('train-images.bin');
    expect(err.message).toMatch(
      new RegExp(
        `^train-images\\.bin: checksum mismatch: file has ${fnv1a32(tampered[0].data)}, manifest expects ${manifest.splits.train.checksum['train-images.bin']}`,
      ),
    );
  });

  it('reports size mismatches and missing files', async () => {
    const { manifest, files } = encodeShards(generateShapes({ trainCount: 10, testCount: 10 }));
    const short = files.map((f) =>
      f.name === 'test-labels.bin' ? { name: f.name, data: f.data.subarray(0, 7) } : f,
    );
    let err = await dataErrorOf(() => decodeShards(manifest, short));
    expect(err.message).toMatch(/^test-labels\.bin: size mismatch: 7 bytes, manifest expects 10/);
    err = await dataErrorOf(() =>
      decodeShards(
        manifest,
        files.filter((f) => f.name !== 'train-labels.bin'),
      ),
    );
    expect(err.message).toMatch(/^train-labels\.bin: missing/);
    err = await dataErrorOf(() => decodeShards({ ...manifest, version: 2 }, files));
    expect(err.message).toMatch(/^manifest\.json: version 2 is not supported/);
    const wrongCount = JSON.parse(JSON.stringify(manifest));
    wrongCount.splits.test.count = 11;
    err = await dataErrorOf(() => decodeShards(wrongCount, files));
    expect(err.message).toMatch(
      /^manifest\.json: lists 30720 bytes for test-images\.bin but 11 records need 33,792/,
    );
  });
});
