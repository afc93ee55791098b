import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import { tinyDataset } from '../core/testDatasets';
import { checkpointWorker, crashAndResume, stepPoints } from '../testing/checkpointWorker';
import { ofType as of } from '../testing/handlerHarness';
import { initTestBackend } from '../testing/tf';
import { CheckpointStore } from './checkpointStore';

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

const worker = (store: CheckpointStore) => checkpointWorker(DS, store);
const points = stepPoints;

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
    const ref = worker(store);
    await ref.send({ type: 'start', runId: 1, config: CFG, autoRun: false, key: 'ref' });
    await ref.stepN(1, 6);
    const good = points(ref.out);
    await ref.send({ type: 'reset', runId: 2 });

    const w = worker(store);
    await w.send({ type: 'start', runId: 1, config: CFG, autoRun: false, key: 'nan' });
    await w.stepN(1, 5);
    // Test hook: poison the queue of negatives (every contrastive loss reads it).
    const queue = (w.trainers[0] as SslTrainer).keyQueue;
    queue.keys.assign(tf.fill(queue.keys.shape, NaN) as tf.Tensor2D);
    await w.send({ type: 'step', runId: 1, part: 'both' });
    expect(of(w.out, 'diverged')).toMatchObject([{ step: 6, rollbackStep: 4 }]);

    const before = tf.memory().numTensors;
    await w.send({ type: 'rollback', runId: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(of(w.out, 'restored').map((m) => [m.step, m.reason])).toEqual([[4, 'rollback']]);
    const n = of(w.out, 'metrics').length;
    await w.stepN(1, 2);
    const after = of(w.out, 'metrics')
      .slice(n)
      .flatMap((m) => m.points)
      .map(({ msPerStep: _ms, ...p }) => p);
    expect(after).toEqual([good.get(5), good.get(6)]);
    await w.send({ type: 'reset', runId: 3 });
  });
});
