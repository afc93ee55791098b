/**
 * The first rows of a step's mixed batch, kept on the device for the "current batch" view: a step
 * keeps a slice (never read back during the step); the trainer reads it only when the page asks,
 * at the probe cadence, and disposes the previous one on every step.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../../data/types';
import type { BatchSamples } from '../trainerTypes';

/** Rows of each step's mixed batch that are kept. */
export const SAMPLE_ROWS = 4;

/** What a step keeps of its mixed batch for the view (no kernel: references and host labels). */
export interface StepSample {
  /** The mixed batch `[N, H, W, C]`, normalised like the training data (kept; rows are cut on read). */
  x: tf.Tensor4D;
  /** Labels of the un-shuffled images (A) and of their partners (B), first rows, on the host. */
  labelsA: Int32Array;
  labelsB: Int32Array;
  /** Label weight of A per row: one number for the batch, or `[N]` / a scalar on the device (kept). */
  lam: number | tf.Tensor;
}

/**
 * Keeps the mixed batch and the first labels for the view (call inside the step's tf.tidy; the
 * result survives it). Nothing runs on the device: rows are cut when the page asks (`readSample`).
 * @param x mixed batch `[N, H, W, C]`
 * @param labelsA labels of the batch; @param labelsB labels of the partners
 * @param lam label weight of A: a number, a scalar tensor or `[N]`
 */
export function captureSample(
  x: tf.Tensor4D,
  labelsA: Int32Array,
  labelsB: Int32Array,
  lam: number | tf.Tensor,
): StepSample {
  const k = Math.min(SAMPLE_ROWS, x.shape[0]);
  return {
    x: tf.keep(x),
    labelsA: labelsA.slice(0, k),
    labelsB: labelsB.slice(0, k),
    lam: typeof lam === 'number' ? lam : tf.keep(lam),
  };
}

/** Frees what a sample kept (tensors a step still uses are not its to free: callers pass their own). */
export function disposeSample(s: StepSample | null): void {
  if (!s) return;
  s.x.dispose();
  if (typeof s.lam !== 'number') s.lam.dispose();
}

/** Reads up to `k` kept rows back as uint8 images (de-normalised with the dataset's mean/std). */
export async function readSample(
  s: StepSample,
  step: number,
  ds: ImageDataset,
  k: number,
): Promise<BatchSamples> {
  const [, height, width, channels] = s.x.shape;
  const n = Math.min(k, s.x.shape[0], s.labelsA.length);
  const pixels = tf.tidy(() => {
    const std = tf.tensor1d(ds.std.slice(0, channels));
    const mean = tf.tensor1d(ds.mean.slice(0, channels));
    const rows = tf.slice(s.x, [0, 0, 0, 0], [n, -1, -1, -1]);
    return tf.clipByValue(tf.round(tf.mul(tf.add(tf.mul(rows, std), mean), 255)), 0, 255).toInt();
  });
  try {
    const [px, lam] = await Promise.all([
      pixels.data(),
      typeof s.lam === 'number' ? Promise.resolve(null) : s.lam.data(),
    ]);
    const size = height * width * channels;
    const lamAt = (i: number): number => (lam ? lam[lam.length === 1 ? 0 : i] : (s.lam as number));
    return {
      step,
      height,
      width,
      channels,
      images: Array.from({ length: n }, (_, i) => Uint8Array.from(px.subarray(i * size, (i + 1) * size))),
      lam: Array.from({ length: n }, (_, i) => lamAt(i)),
      labelA: Array.from(s.labelsA.subarray(0, n)),
      labelB: Array.from(s.labelsB.subarray(0, n)),
    };
  } finally {
    pixels.dispose();
  }
}
