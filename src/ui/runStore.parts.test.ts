import 'fake-indexeddb/auto'; // IDBKeyRange (the store reads runs by key range)
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics } from '../core/trainerTypes';
import { buildRunBundle, readRunBundle } from '../export/runBundle';
import { planSave, type SaveMark } from '../storage/savePlan';
import { probeResult, variedPoint } from '../testing/runPartsFixtures';
import { pairKeyOf, toFrame, type MaskFrame } from '../export/maskHistory';
import { RunStore, type RunDelta, type RunSummary } from './runStore';

interface Live {
  metrics: StepMetrics[];
  evals: EvalResult[];
  frames: MaskFrame[];
  images: Map<string, ProbeResult>;
}

const summary = (id: string, steps: number): RunSummary => ({
  id,
  name: `run ${id}`,
  method: 'samix',
  dataset: 'shapes',
  steps,
  finalAccQ: 0.5,
  createdAt: 1000,
});

function live(): Live {
  const p = probeResult(0);
  return { metrics: [], evals: [], frames: [], images: new Map([[pairKeyOf(p), p]]) };
}

/** The page's run grows to step `n`: a point per step, an eval every 10, a frame every 5. */
function grow(d: Live, n: number): void {
  for (let s = (d.metrics[d.metrics.length - 1]?.step ?? 0) + 1; s <= n; s++) {
    d.metrics = d.metrics.concat(variedPoint(s));
    if (s % 10 === 0) d.evals = d.evals.concat({ step: s, testAccQ: s / 1000, testAccK: NaN });
    if (s % 5 === 0) d.frames = d.frames.concat(toFrame(probeResult(s)));
  }
}

/** What useAutoSave does at a checkpoint: plan, write, keep the mark when the write succeeded. */
async function autosave(store: RunStore, id: string, d: Live, mark: SaveMark | null): Promise<SaveMark> {
  const plan = planSave(mark, id, d, null);
  const delta: RunDelta = { ...plan, config: DEFAULT_CONFIG, meta: { backend: 'wasm' }, images: d.images };
  await store.saveParts(summary(id, d.metrics[d.metrics.length - 1].step), delta);
  return plan.next;
}

describe('RunStore, a live run saved in parts', () => {
  it('reopens after every save with the curves, evaluations and frames the page holds', async () => {
    const store = await RunStore.open(new IDBFactory());
    const d = live();
    let mark: SaveMark | null = null;
    for (const n of [100, 200, 200, 300, 437]) {
      grow(d, n);
      mark = await autosave(store, 'k', d, mark);
      const run = await store.open('k');
      expect(run.metrics).toEqual(d.metrics);
      expect(run.evals).toEqual(d.evals);
      expect(run.history?.frames).toEqual(d.frames);
      expect(run.config).toEqual(DEFAULT_CONFIG);
    }
    expect(mark?.chunks).toBe(5);
    const runs = await store.list();
    expect(runs.map((r) => [r.key, r.meta.steps])).toEqual([['k', 437]]); // one run, no part records
    expect(runs[0].size).toBeGreaterThan(437 * 8 * 16); // the packed points at least
  });

  it('exports the same run bundle zip the page would have built', async () => {
    const store = await RunStore.open(new IDBFactory());
    const d = live();
    grow(d, 120);
    const mark = await autosave(store, 'k', d, null);
    grow(d, 180);
    expect((await autosave(store, 'k', d, mark)).chunks).toBe(2);
    const zip = await store.bundle('k');
    const direct = buildRunBundle({
      config: DEFAULT_CONFIG,
      metrics: d.metrics,
      evals: d.evals,
      history: { frames: d.frames, images: d.images },
      frames: d.frames,
      media: false,
      meta: { backend: 'wasm' },
    });
    expect(zip).toEqual(direct);
    expect(readRunBundle(zip).metrics).toEqual(d.metrics);
  });

  it('a restore replaces the stored curves past the checkpoint; a stale chunk is refused', async () => {
    const store = await RunStore.open(new IDBFactory());
    const d = live();
    grow(d, 150);
    const mark = await autosave(store, 'k', d, null);
    // Restored to step 100: the page drops what follows and trains on to 130.
    d.metrics = d.metrics.filter((m) => m.step <= 100);
    d.frames = d.frames.filter((m) => m.step <= 100);
    d.evals = d.evals.filter((m) => m.step <= 100);
    grow(d, 130);
    const plan = planSave(mark, 'k', d, { step: 100 });
    expect(plan.full).toBe(true);
    const delta = { ...plan, config: DEFAULT_CONFIG, meta: {}, images: d.images };
    await store.saveParts(summary('k', 130), delta);
    expect((await store.open('k')).metrics).toEqual(d.metrics);
    // A chunk numbered for the store as it was before (another tab, a deleted run): save in full.
    const stale = { ...delta, full: false, seq: 7 };
    await expect(store.saveParts(summary('k', 130), stale)).rejects.toMatchObject({ name: 'StaleSaveError' });
    await store.remove('k');
    await expect(store.saveParts(summary('k', 130), { ...delta, full: false, seq: 1 })).rejects.toMatchObject(
      {
        name: 'StaleSaveError',
      },
    );
  });

  it('rename keeps the parts; remove deletes them; zip-stored (imported) runs sit beside them', async () => {
    const idb = new IDBFactory();
    const store = await RunStore.open(idb);
    const d = live();
    grow(d, 60);
    await autosave(store, 'k', d, null);
    await store.save(
      summary('imported', 3),
      buildRunBundle({ config: DEFAULT_CONFIG, metrics: [], evals: [] }),
    );
    await store.rename('k', 'mine');
    // Saved again, it keeps the user's name.
    grow(d, 70);
    await autosave(store, 'k', d, null);
    const runs = await store.list();
    expect(runs.map((r) => r.meta.name).sort()).toEqual(['mine', 'run imported']);
    expect((await store.open('k')).metrics).toEqual(d.metrics);
    expect((await store.open('imported')).metrics).toEqual([]);
    await store.remove('k');
    expect((await store.list()).map((r) => r.key)).toEqual(['imported']);
    expect(await rawKeys(idb)).toEqual(['imported']); // no part left behind
  });

  it('a full quota fails the whole save: nothing half-written, the last save still opens', async () => {
    const idb = new IDBFactory();
    const store = await RunStore.open(idb);
    const d = live();
    grow(d, 50);
    const mark = await autosave(store, 'k', d, null);
    const proto = Object.getPrototypeOf(
      (await rawDb(idb)).transaction('records', 'readwrite').objectStore('records'),
    );
    const put = proto.put;
    let calls = 0;
    proto.put = function (this: IDBObjectStore, ...args: unknown[]) {
      if (++calls === 3) throw new DOMException('quota', 'QuotaExceededError'); // the chunk, after summary and head
      return put.apply(this, args);
    };
    try {
      grow(d, 90);
      const err = await autosave(store, 'k', d, mark).catch((e: unknown) => e);
      expect((err as Error).name).toBe('StorageFullError');
      expect((err as Error).message).toMatch(/storage is full while saving k;/);
    } finally {
      proto.put = put;
    }
    const run = await store.open('k');
    expect(run.metrics.length).toBe(50);
    expect((await store.list())[0].meta.steps).toBe(50);
  });
});

function rawDb(idb: IDBFactory): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = idb.open('samix-runs', 1);
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function rawKeys(idb: IDBFactory): Promise<string[]> {
  const db = await rawDb(idb);
  return new Promise((resolve, reject) => {
    const r = db.transaction('records').objectStore('records').getAllKeys();
    r.onsuccess = () => resolve(r.result.map(String));
    r.onerror = () => reject(r.error);
  });
}
