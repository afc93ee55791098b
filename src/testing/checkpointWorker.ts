/**
 * Test support for the handler's checkpoint tests: one "worker" — the handler around REAL trainers
 * (made by scenario, as trainer.worker.ts makes them, so a restore builds the checkpoint's kind of
 * trainer) and a real checkpoint store — and the posted step metrics by step.
 * Test-only: production code never imports this module.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import { Trainer } from '../core/trainer';
import type { StepMetrics } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import type { CheckpointStore } from '../storage/checkpointStore';
import type { TrainerLike } from '../worker/handler';
import type { FromWorker } from '../worker/protocol';
import { ofType, startHandler, stubDeps } from './handlerHarness';

/** A handler with real trainers and `store`; imports are refused; a still clock; `stepN` steps n times. */
export function checkpointWorker(data: ImageDataset, store: CheckpointStore) {
  const trainers: TrainerLike[] = [];
  const createTrainer = (config: RunConfig, d: ImageDataset): TrainerLike => {
    const t = config.scenario === 'ssl' ? new SslTrainer(config, d) : new Trainer(config, d);
    trainers.push(t);
    return t;
  };
  const importData = async (): Promise<ImageDataset> => {
    throw new Error('no imports here');
  };
  const { out, send } = startHandler(
    stubDeps(data, createTrainer, {
      importData,
      now: () => 0,
      yieldNow: () => Promise.resolve(),
      checkpoints: store,
    }),
  );
  const stepN = async (runId: number, n: number) => {
    for (let i = 0; i < n; i++) await send({ type: 'step', runId, part: 'both' });
  };
  return { out, trainers, send, stepN };
}

/** Step metrics by step, without wall time. */
export const stepPoints = (out: FromWorker[]) =>
  new Map(
    ofType(out, 'metrics')
      .flatMap((m) => m.points)
      .map(({ msPerStep: _ms, ...p }): [number, Omit<StepMetrics, 'msPerStep'>] => [p.step, p]),
  );

/**
 * The crash-and-resume flow both scenarios' tests check: run A takes `cfg.steps` (8) steps
 * uninterrupted; run B takes 5 (checkpoint at 4, step 5 lost with the "crash"); a fresh worker C
 * restores B and takes 4 more. @returns A's and C's metrics by step, C's restore messages and trainer,
 * and A's checkpoint messages
 */
export async function crashAndResume(data: ImageDataset, cfg: RunConfig, store: CheckpointStore) {
  const a = checkpointWorker(data, store);
  await a.send({ type: 'start', runId: 1, config: cfg, autoRun: false, key: 'run-a' });
  await a.stepN(1, 8);
  const whole = stepPoints(a.out);
  await a.send({ type: 'reset', runId: 2 });

  const b = checkpointWorker(data, store);
  await b.send({ type: 'start', runId: 1, config: cfg, autoRun: false, key: 'run-b' });
  await b.stepN(1, 5);
  const c = checkpointWorker(data, store);
  await c.send({ type: 'restore', runId: 3, key: 'run-b' });
  await c.stepN(3, 4);
  const result = {
    whole,
    resumed: stepPoints(c.out),
    restored: ofType(c.out, 'restored'),
    trainer: c.trainers[0],
    checkpoints: ofType(a.out, 'checkpoint'),
  };
  await b.send({ type: 'reset', runId: 9 });
  await c.send({ type: 'reset', runId: 9 });
  return result;
}

/**
 * The divergence-and-rollback flow both scenarios' tests check: a reference run takes 6 steps; run W
 * takes 5 (checkpoint at 4), `poison` breaks its state, one more step diverges, W rolls back and takes
 * 2 steps. @returns the reference's metrics by step, W (its posts included), the last status posted
 * before and right after the rollback, the tensor counts around the rollback and W's metrics after it
 */
export async function divergeAndRollBack(
  data: ImageDataset,
  cfg: RunConfig,
  store: CheckpointStore,
  poison: (w: ReturnType<typeof checkpointWorker>) => Promise<void>,
) {
  const ref = checkpointWorker(data, store);
  await ref.send({ type: 'start', runId: 1, config: cfg, autoRun: false, key: 'ref' });
  await ref.stepN(1, 6);
  const good = stepPoints(ref.out);
  await ref.send({ type: 'reset', runId: 2 });

  const w = checkpointWorker(data, store);
  await w.send({ type: 'start', runId: 1, config: cfg, autoRun: false, key: 'nan' });
  await w.stepN(1, 5);
  await poison(w);
  await w.send({ type: 'step', runId: 1, part: 'both' });
  const statusAtDivergence = ofType(w.out, 'status').slice(-1)[0];
  const tensorsBefore = tf.memory().numTensors;
  await w.send({ type: 'rollback', runId: 1 });
  const tensorsAfter = tf.memory().numTensors;
  const statusAfterRollback = ofType(w.out, 'status').slice(-1)[0];
  const n = ofType(w.out, 'metrics').length;
  await w.stepN(1, 2);
  const after = ofType(w.out, 'metrics')
    .slice(n)
    .flatMap((m) => m.points)
    .map(({ msPerStep: _ms, ...p }) => p);
  await w.send({ type: 'reset', runId: 3 });
  return { good, w, statusAtDivergence, statusAfterRollback, tensorsBefore, tensorsAfter, after };
}
