import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import { tinyDataset } from '../core/testDatasets';
import { Trainer } from '../core/trainer';
import { KvStore } from '../storage/kv';
import { encodeCheckpoint } from '../core/checkpoint';
import {
  checkpointWorker,
  crashAndResume,
  divergeAndRollBack,
  stepPoints,
} from '../testing/checkpointWorker';
import { ofType as of } from '../testing/handlerHarness';
import { initTestBackend } from '../testing/tf';
import { CheckpointStore } from '../storage/checkpointStore';
import { describeDivergence } from './divergence';
import type { FromWorker } from './protocol';

const DS = tinyDataset();
const CFG: RunConfig = {
  ...DEFAULT_CONFIG,
  method: 'samix',
  batch: 8,
  width: 4,
  steps: 8,
  testSize: 16,
  evalEvery: 1000,
  checkpointEvery: 4,
};

const worker = (store: CheckpointStore) => checkpointWorker(DS, store);
const lastStatus = (out: FromWorker[]) => of(out, 'status').slice(-1)[0];

describe('handler checkpoints (real trainer, IndexedDB store)', () => {
  beforeAll(() => initTestBackend());

  it('checkpoints every checkpointEvery steps and at the end; a damaged latest falls back to the previous one', async () => {
    const idb = new IDBFactory();
    const store = await CheckpointStore.open(idb);
    const a = worker(store);
    await a.send({ type: 'start', runId: 1, config: CFG, autoRun: false, key: 'run-x' });
    await a.stepN(1, 8);
    expect(of(a.out, 'checkpoint').map((m) => [m.key, m.step, m.finished])).toEqual([
      ['run-x', 4, false],
      ['run-x', 8, true],
    ]);
    expect(of(a.out, 'checkpoint')[0].bytes).toBeGreaterThan(1000);
    await a.send({ type: 'reset', runId: 2 });

    // Flip one byte of the latest checkpoint (step 8): a fresh worker restores step 4 and says so.
    const [run] = await store.runs();
    const blobs = await KvStore.open<{ runKey: string; step: number }>('samix-checkpoints', idb);
    const rec = (await blobs.get(run.latest))!;
    const bytes = rec.bytes[0].slice();
    bytes[bytes.length - 1] ^= 1;
    await blobs.put(run.latest, rec.meta, [bytes]);
    blobs.close();
    const b = worker(store);
    await b.send({ type: 'restore', runId: 7, key: 'run-x' });
    const restored = of(b.out, 'restored')[0];
    expect([restored.step, restored.reason, restored.runId, restored.config.width]).toEqual([
      4,
      'restore',
      7,
      4,
    ]);
    expect(restored.note).toMatch(/checkpoint at step 8 could not be used .*weights checksum.*step 4/);
    expect(lastStatus(b.out)).toMatchObject({ status: 'paused', step: 4, runId: 7 });
    expect(b.trainers[0].stepCount).toBe(4);
    await b.send({ type: 'reset', runId: 8 });
  });

  it('restoring in a fresh worker after step 4 gives steps 5..8 identical to the uninterrupted run', async () => {
    const r = await crashAndResume(DS, CFG, await CheckpointStore.open(new IDBFactory()));
    expect(r.restored[0].step).toBe(4);
    expect([...r.resumed.keys()]).toEqual([5, 6, 7, 8]);
    for (const s of [5, 6, 7, 8]) expect(r.resumed.get(s), `step ${s}`).toEqual(r.whole.get(s));
  });

  it('opens a run from checkpoint bytes (a shipped run): steps 5..8 equal the uninterrupted run, bad bytes are named', async () => {
    const store = await CheckpointStore.open(new IDBFactory());
    const whole = checkpointWorker(DS, store);
    await whole.send({ type: 'start', runId: 1, config: CFG, autoRun: false, key: 'run-w' });
    await whole.stepN(1, 8);
    const want = stepPoints(whole.out);
    await whole.send({ type: 'reset', runId: 2 });

    const t = new Trainer(CFG, DS);
    await t.read(Array.from({ length: 4 }, () => t.step()));
    const bytes = encodeCheckpoint(await t.snapshot());
    t.dispose();
    const w = worker(store);
    const damaged = bytes.slice();
    damaged[damaged.length - 1] ^= 1;
    await w.send({ type: 'openCheckpoint', runId: 3, key: 'shipped', checkpoint: damaged.buffer });
    expect(of(w.out, 'error')[0].error.message).toMatch(/restoring run shipped: .*weights checksum/);
    await w.send({ type: 'openCheckpoint', runId: 4, key: 'shipped', checkpoint: bytes.slice().buffer });
    expect(of(w.out, 'restored')[0]).toMatchObject({ runId: 4, key: 'shipped', step: 4, reason: 'restore' });
    expect(lastStatus(w.out)).toMatchObject({ status: 'paused', step: 4, runId: 4 });
    await w.stepN(4, 4);
    const got = stepPoints(w.out);
    expect([...got.keys()]).toEqual([5, 6, 7, 8]);
    for (const s of [5, 6, 7, 8]) expect(got.get(s), `step ${s}`).toEqual(want.get(s));
    // The continued run checkpoints under its new key.
    expect(of(w.out, 'checkpoint').map((m) => [m.key, m.step])).toEqual([['shipped', 8]]);
    await w.send({ type: 'reset', runId: 5 });
  });

  it('a NaN injected into the weights pauses with a message; rollback restores the last good state exactly', async () => {
    const store = await CheckpointStore.open(new IDBFactory());
    const r = await divergeAndRollBack(DS, CFG, store, async (w) => {
      await w.send({ type: 'setLive', runId: 1, patch: { eta: 0.5 } });
      // Test hook: poison the online encoder's flat parameters.
      const params = (w.trainers[0] as Trainer).optimizers.q.vars[0];
      params.assign(tf.fill([params.size], NaN) as tf.Tensor1D);
    });
    const diverged = of(r.w.out, 'diverged');
    expect(diverged).toHaveLength(1);
    expect(diverged[0]).toMatchObject({ step: 6, rollbackStep: 4 });
    expect(diverged[0].message).toMatch(
      /^The \w+ loss became NaN at step 6, 1 steps after η was set to 0\.5; training is paused\. Suggested fix: .+, then roll back to step 4 \(the last good checkpoint\)\.$/,
    );
    expect(of(r.w.out, 'error').map((m) => m.error.name)).toContain('DivergenceError');
    expect(r.statusAtDivergence).toMatchObject({ status: 'paused', step: 6 });
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    expect(of(r.w.out, 'restored').map((m) => [m.step, m.reason])).toEqual([[4, 'rollback']]);
    expect(r.statusAfterRollback).toMatchObject({ status: 'paused', step: 4 });
    expect(r.after).toEqual([r.good.get(5), r.good.get(6)]);
  });

  it('non-finite weights at a checkpoint are refused as a divergence (no bad checkpoint is saved)', async () => {
    const store = await CheckpointStore.open(new IDBFactory());
    const w = worker(store);
    await w.send({ type: 'start', runId: 1, config: CFG, autoRun: false, key: 'w' });
    await w.stepN(1, 3);
    // A NaN momentum slot leaves step 4's loss finite but its update poisons the weights.
    const opt = (w.trainers[0] as Trainer).optimizers.q;
    opt.setSlot(tf.fill([opt.vars[0].size], NaN) as tf.Tensor1D);
    await w.stepN(1, 1);
    expect(of(w.out, 'checkpoint')).toHaveLength(0);
    expect(of(w.out, 'diverged')[0]).toMatchObject({ step: 4, term: 'weights', rollbackStep: null });
    expect(of(w.out, 'diverged')[0].message).toMatch(
      /^The weights became non-finite \(q\.params\[\d+\] = NaN\) at step 4; .* and reset \(no checkpoint to roll back to yet\)\.$/,
    );
    await w.send({ type: 'rollback', runId: 1 });
    expect(of(w.out, 'error').slice(-1)[0].error.message).toMatch(
      /rolling back: no checkpoint is stored for run w/,
    );
    await w.send({ type: 'reset', runId: 2 });
    await expect(store.runs()).resolves.toEqual([]);
  });
});

describe('describeDivergence', () => {
  it('names the term, the live change before it, the fix and the roll-back step', () => {
    const msg = describeDivergence(
      { step: 153, term: 'global', value: NaN },
      { lastLive: { step: 150, patch: { eta: 8 } }, rollbackStep: 100 },
    );
    expect(msg).toBe(
      'The global loss became NaN at step 153, 3 steps after η was set to 8; training is paused. ' +
        'Suggested fix: lower η or the Mixer learning rate, then roll back to step 100 (the last good checkpoint).',
    );
    expect(
      describeDivergence({ step: 9, term: 'mixQ', value: 5e4 }, { lastLive: null, rollbackStep: null }),
    ).toBe(
      'The mixQ loss exploded to 5.00e+4 at step 9; training is paused. Suggested fix: lower the learning rate and reset (no checkpoint to roll back to yet).',
    );
  });
});
