/**
 * A dispatched training step whose metrics still live on the device, and the one readback that turns
 * many of them into `StepMetrics` (rule R6, docs/architecture.md: `step()` never reads back; `read()` stacks the
 * packed metrics of many steps and does a single `await data()`).
 */
import * as tf from '@tensorflow/tfjs';
import { unpackMetrics, type StepHostInfo } from './scenarios/metrics';
import type { StepMetrics } from './trainerTypes';

/** A dispatched step whose metrics still live on the device. Consumed by `Trainer.read`. */
export interface PendingStep {
  /** Packed metrics `[K]` (disposed by `read`). */
  packed: tf.Tensor1D;
  info: Omit<StepHostInfo, 'msPerStep'>;
  /** Host time spent dispatching the step, ms. */
  hostMs: number;
}

/** Reads back many pending steps with one stack + `await data()`; disposes their tensors. */
export async function readPendingSteps(pending: PendingStep[]): Promise<StepMetrics[]> {
  if (pending.length === 0) return [];
  const t0 = performance.now();
  const stacked = tf.stack(pending.map((p) => p.packed));
  for (const p of pending) p.packed.dispose();
  const values = await stacked.data();
  stacked.dispose();
  const k = values.length / pending.length;
  const waitMs = (performance.now() - t0) / pending.length;
  return pending.map((p, i) =>
    unpackMetrics(values.subarray(i * k, (i + 1) * k), { ...p.info, msPerStep: p.hostMs + waitMs }),
  );
}
