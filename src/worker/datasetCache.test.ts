import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { generateShapes } from '../data/shapes';
import { KvStore } from '../storage/kv';
import { DatasetCache, type CachedDatasetMeta } from './datasetCache';

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
    const rec = (await raw.get('idx'))!;
    rec.bytes[0][5] ^= 0xff;
    await raw.put('idx', rec.meta, rec.bytes);
    await expect(cache.load('idx')).rejects.toThrow(/checksum/);
  });
});
