/**
 * Batch assembly against the training step, on the active backend (for `npm run bench`, in Node and
 * in the browser worker alike). One SAMix trainer is built on the dataset — uploading it resident,
 * as a run does — and then:
 *
 * - batch assembly = `ResidentData.nextBatch` with augmentation (host indices + ONE device gather),
 *   `perRound` batches back to back followed by one tiny readback, so the device work is included
 *   but no per-batch readback latency is (a step never reads its batch back either); the median of
 *   `rounds` rounds, per batch;
 * - the SAMix step = `trainer.step` + the metrics readback, median of `steps` steps after the
 *   trainer's own warm-up.
 *
 * The assembly draws from its own `Rng`, so the trainer's stream is not the one a run would see;
 * that does not matter for timing.
 */
import * as tf from '@tensorflow/tfjs';
import { parseConfig } from './config';
import { Rng } from '../lib/random';
import { Trainer } from './trainer';
import type { ImageDataset } from '../data/types';

export interface AssemblyOptions {
  batch: number;
  width: number;
  /** Timed SAMix steps (after the trainer's warm-up). */
  steps: number;
  rounds?: number;
  perRound?: number;
  now?: () => number;
}

export interface AssemblyTiming {
  /** Upload of the resident dataset + building the trainer, ms. */
  uploadMs: number;
  /** Training images resident on the backend. */
  resident: number;
  /** Median time to assemble one augmented batch (gather + crop/flip), ms. */
  assemblyMs: number;
  /** Median SAMix step, ms. */
  samixStepMs: number;
  /** assemblyMs / samixStepMs. */
  ratio: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Measures batch assembly and a SAMix step on `ds` on the current backend. */
export async function timeAssembly(ds: ImageDataset, o: AssemblyOptions): Promise<AssemblyTiming> {
  const now = o.now ?? (() => performance.now());
  const rounds = o.rounds ?? 5;
  const perRound = o.perRound ?? 10;
  const cfg = parseConfig({ method: 'samix', batch: o.batch, width: o.width, steps: 1_000_000 });
  const t0 = now();
  const trainer = new Trainer(cfg, ds);
  try {
    // Force the upload (lazy on webgl/webgpu) with a one-element readback.
    const first = tf.slice(trainer.data.trainX, [0, 0, 0, 0], [1, 1, 1, 1]);
    await first.data();
    first.dispose();
    const uploadMs = now() - t0;
    const rng = new Rng(7);
    const assembleRound = async (): Promise<number> => {
      const start = now();
      const batches = [];
      for (let i = 0; i < perRound; i++) batches.push(trainer.data.nextBatch(rng, cfg.batch, true));
      const last = batches[batches.length - 1];
      const probe = tf.tidy(() => tf.slice(tf.reshape(last.x, [-1]), [0], [1]));
      await probe.data();
      const ms = (now() - start) / perRound;
      tf.dispose([probe, ...batches.flatMap((b) => [b.x, b.y])]);
      return ms;
    };
    await assembleRound(); // warm-up (kernel compilation)
    const assembly: number[] = [];
    for (let r = 0; r < rounds; r++) assembly.push(await assembleRound());
    await trainer.warmup();
    const steps: number[] = [];
    for (let s = 0; s < o.steps; s++) {
      const start = now();
      await trainer.read([trainer.step('both')]);
      steps.push(now() - start);
    }
    const assemblyMs = median(assembly);
    const samixStepMs = median(steps);
    return {
      uploadMs,
      resident: trainer.data.trainCount,
      assemblyMs,
      samixStepMs,
      ratio: assemblyMs / samixStepMs,
    };
  } finally {
    trainer.dispose();
  }
}
