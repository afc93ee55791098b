import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import { tinyDataset } from '../core/testDatasets';
import { crashAndResume, divergeAndRollBack } from '../testing/checkpointWorker';
import { ofType as of } from '../testing/handlerHarness';
import { initTestBackend } from '../testing/tf';
import { CheckpointStore } from '../storage/checkpointStore';

const DS = tinyDataset();
const CFG: RunConfig = {
  ...DEFAULT_CONFIG,
  scenario: 'ssl',
  method: 'samix',
  batch: 8,
  width: 4,
  steps: 8,
  testSize: 16,
  queueSize: 16,
  projHidden: 16,
  projDim: 8,
  knnK: 5,
  probeEpochs: 1,
  evalEvery: 1000,
  checkpointEvery: 4,
};

describe('handler checkpoints of a self-supervised run (real SslTrainer, IndexedDB store)', () => {
  beforeAll(() => initTestBackend());

  it('saves SSL checkpoints; a fresh worker restores an SslTrainer and continues the same curve', async () => {
    const r = await crashAndResume(DS, CFG, await CheckpointStore.open(new IDBFactory()));
    expect(r.checkpoints.map((m) => [m.step, m.finished])).toEqual([
      [4, false],
      [8, true],
    ]);
    expect(r.trainer).toBeInstanceOf(SslTrainer);
    expect(r.restored.map((m) => [m.step, m.reason, m.config.scenario])).toEqual([[4, 'restore', 'ssl']]);
    expect([...r.resumed.keys()]).toEqual([5, 6, 7, 8]);
    for (const s of [5, 6, 7, 8]) expect(r.resumed.get(s), `step ${s}`).toEqual(r.whole.get(s));
  });

  it('a NaN in the key queue pauses the run; rollback puts the SSL state back exactly', async () => {
    const store = await CheckpointStore.open(new IDBFactory());
    const r = await divergeAndRollBack(DS, CFG, store, async (w) => {
      // Test hook: poison the queue of negatives (every contrastive loss reads it).
      const queue = (w.trainers[0] as SslTrainer).keyQueue;
      queue.keys.assign(tf.fill(queue.keys.shape, NaN) as tf.Tensor2D);
    });
    expect(of(r.w.out, 'diverged')).toMatchObject([{ step: 6, rollbackStep: 4 }]);
    expect(r.tensorsAfter).toBe(r.tensorsBefore);
    expect(of(r.w.out, 'restored').map((m) => [m.step, m.reason])).toEqual([[4, 'rollback']]);
    expect(r.after).toEqual([r.good.get(5), r.good.get(6)]);
  });
});
