import 'fake-indexeddb/auto'; // IDBKeyRange (the store reads runs by key range)
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import { buildRunBundle } from '../export/runBundle';
import { MAX_RUNS, RunStore, type RunSummary } from './runStore';

const summary = (i: number): RunSummary => ({
  id: `r${i}`,
  name: `run ${i}`,
  method: 'samix',
  dataset: 'shapes',
  steps: 10,
  finalAccQ: 0.5,
  createdAt: 1000 + i,
});
const bundle = buildRunBundle({ config: DEFAULT_CONFIG, metrics: [], evals: [], media: false });

describe('RunStore', () => {
  it('saves, lists newest first, renames, reopens and deletes runs', async () => {
    const store = await RunStore.open(new IDBFactory());
    await store.save(summary(1), bundle);
    await store.save(summary(2), bundle);
    expect((await store.list()).map((r) => r.key)).toEqual(['r2', 'r1']);
    await store.rename('r1', 'baseline');
    expect((await store.list()).find((r) => r.key === 'r1')?.meta.name).toBe('baseline');
    expect((await store.open('r2')).config).toEqual(DEFAULT_CONFIG);
    await store.remove('r2');
    expect((await store.list()).map((r) => r.key)).toEqual(['r1']);
    await expect(store.open('r2')).rejects.toThrow('run r2 is no longer stored');
  });

  it('stays within the run bound by removing the oldest runs and says which', async () => {
    const store = await RunStore.open(new IDBFactory());
    for (let i = 0; i < MAX_RUNS; i++) await store.save(summary(i), bundle);
    const removed = await store.save(summary(MAX_RUNS), bundle);
    expect(removed).toEqual(['run 0']);
    expect((await store.list()).length).toBe(MAX_RUNS);
  });

  it('a full quota fails the save with StorageFullError; removing the oldest runs (not the live one) makes room', async () => {
    const idb = new IDBFactory();
    const store = await RunStore.open(idb);
    for (let i = 1; i <= 4; i++) await store.save(summary(i), bundle);
    // The browser refuses writes past its quota: fail every put while "full".
    const proto = Object.getPrototypeOf(
      (await indexedDbStore(idb)).transaction('records', 'readwrite').objectStore('records'),
    );
    const put = proto.put;
    let full = true;
    proto.put = function (this: IDBObjectStore, ...args: unknown[]) {
      if (full) throw new DOMException('quota', 'QuotaExceededError');
      return put.apply(this, args);
    };
    try {
      const err = await store.save(summary(9), bundle).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('StorageFullError');
      expect((err as Error).message).toMatch(
        /storage is full while saving r9; delete cached datasets or old runs/,
      );
      expect((await store.list()).map((r) => r.key)).toEqual(['r4', 'r3', 'r2', 'r1']); // nothing half-written
      expect(await store.removeOldest(2, 'r1')).toEqual(['run 2', 'run 3']);
      full = false;
      await store.save(summary(9), bundle);
      expect((await store.list()).map((r) => r.key)).toEqual(['r9', 'r4', 'r1']);
    } finally {
      proto.put = put;
    }
  });
});

/** The raw database behind the run store (to reach IDBObjectStore's prototype of this factory). */
function indexedDbStore(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = idb.open('samix-runs', 1);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
