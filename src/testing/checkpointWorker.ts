/**
 * Test support for the handler's checkpoint tests: one "worker" — the handler around REAL trainers
 * (made by scenario, as trainer.worker.ts makes them, so a restore builds the checkpoint's kind of
 * trainer) and a real checkpoint store — and the posted step metrics by step.
 * Test-only: production code never imports this module.
 */
import type { RunConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import { Trainer } from '../core/trainer';
import type { StepMetrics } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import type { CheckpointStore } from '../worker/checkpointStore';
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
