import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { encodeShards } from '../data/shards';
import { generateShapes } from '../data/shapes';
import { KvStore } from '../storage/kv';
import { DatasetCache, PART_BYTES, type CachedDatasetMeta } from './datasetCache';

describe('DatasetCache', () => {
  it('round-trips a dataset and lists it with its size', async () => {
    const idb = new IDBFactory();
    const cache = await DatasetCache.open(idb);
    const ds = { ...generateShapes({ trainCount: 20, testCount: 10 }), name: 'folder' };
    await cache.save(ds);
    const back = await cache.load('folder');
    expect(back?.train.images).toEqual(ds.train.images);
    expect(back?.test.labels).toEqual(ds.test.labels);
    expect(back?.classes).toEqual(ds.classes);
    const [entry] = await cache.list();
    expect(entry).toMatchObject({ name: 'folder', train: 20, test: 10, classes: 10 });
    expect(entry.size).toBeGreaterThan(20 * 32 * 32 * 3);
    await cache.remove('folder');
    expect(await cache.load('folder')).toBeNull();
  });

  it('a corrupt entry is reported by the checksum, naming the file', async () => {
    const idb = new IDBFactory();
    const cache = await DatasetCache.open(idb);
    await cache.save({ ...generateShapes({ trainCount: 10, testCount: 10 }), name: 'idx' });
    const raw = await KvStore.open<CachedDatasetMeta>('samix-datasets', idb);
    const rec = (await raw.get('idx#part1'))!;
    rec.bytes[0][5] ^= 0xff;
    await raw.put('idx#part1', rec.meta, rec.bytes);
    await expect(cache.load('idx')).rejects.toThrow(/checksum/);
  });

  it('cuts a large entry into records of at most partBytes and joins them back', async () => {
    const idb = new IDBFactory();
    const partBytes = 1000;
    const cache = await DatasetCache.open(idb, 'samix-datasets', partBytes);
    const ds = { ...generateShapes({ trainCount: 12, testCount: 4 }), name: 'cifar10' };
    await cache.save(ds);
    const raw = await KvStore.open<CachedDatasetMeta | { partOf: string }>('samix-datasets', idb);
    const records = await raw.list();
    const bytes = records.reduce((a, r) => a + r.size, 0);
    expect(Math.max(...records.map((r) => r.size))).toBeLessThanOrEqual(partBytes);
    // What is stored is the part itself, not the whole buffer a part was cut from.
    for (const key of await raw.keys()) {
      for (const b of (await raw.get(key))!.bytes) expect(b.buffer.byteLength).toBeLessThanOrEqual(partBytes);
    }
    // The entry's own record holds no bytes; every part but the last is full.
    expect(records.length).toBe(1 + Math.ceil(bytes / partBytes));
    expect(records.find((r) => r.key === 'cifar10')?.size).toBe(0);
    const back = await cache.load('cifar10');
    expect(back?.train.images).toEqual(ds.train.images);
    expect(back?.train.objectMasks).toEqual(ds.train.objectMasks);
    expect(back?.test.labels).toEqual(ds.test.labels);
    expect(await cache.list()).toEqual([
      expect.objectContaining({ name: 'cifar10', size: bytes, train: 12 }),
    ]);

    // Saving a smaller dataset under the same name leaves no stale parts behind.
    await cache.save({ ...generateShapes({ trainCount: 2, testCount: 2 }), name: 'cifar10' });
    const smaller = await raw.list();
    expect((await cache.list())[0].size).toBe(smaller.reduce((a, r) => a + r.size, 0));
    expect((await cache.load('cifar10'))?.train.count).toBe(2);
    await cache.remove('cifar10');
    expect(await raw.list()).toEqual([]);
    expect(PART_BYTES).toBeLessThan(127 * 2 ** 20); // Chromium's per-value limit
  });

  it('still reads and lists entries of the first format (one record, one buffer per file)', async () => {
    const idb = new IDBFactory();
    const ds = { ...generateShapes({ trainCount: 6, testCount: 2 }), name: 'idx' };
    const { manifest, files } = encodeShards(ds);
    const raw = await KvStore.open<CachedDatasetMeta>('samix-datasets', idb);
    await raw.put(
      'idx',
      { manifest, files: files.map((f) => f.name) },
      files.map((f) => f.data),
    );
    const cache = await DatasetCache.open(idb);
    expect((await cache.load('idx'))?.train.images).toEqual(ds.train.images);
    const [entry] = await cache.list();
    expect(entry).toMatchObject({ name: 'idx', size: files.reduce((a, f) => a + f.data.byteLength, 0) });
    await cache.remove('idx');
    expect(await raw.keys()).toEqual([]);
  });

  it('a missing part is reported naming the entry', async () => {
    const idb = new IDBFactory();
    const cache = await DatasetCache.open(idb, 'samix-datasets', 1000);
    await cache.save({ ...generateShapes({ trainCount: 4, testCount: 2 }), name: 'folder' });
    const raw = await KvStore.open<CachedDatasetMeta>('samix-datasets', idb);
    await raw.delete('folder#part2');
    await expect(cache.load('folder')).rejects.toThrow(/^folder \(cached\): part 2 of \d+ is missing/);
  });
});
