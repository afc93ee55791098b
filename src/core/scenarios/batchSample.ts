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

/** Kept tensors of one step's first rows. */
export interface StepSample {
  /** Mixed images `[k, H, W, C]`, normalised like the training data. */
  x: tf.Tensor4D;
  /** `[k, 2]` int32: label of the un-shuffled image (A) and of its partner (B). */
  labels: tf.Tensor2D;
  /** Label weight of A per row: one number for the batch, or `[k]` on the device. */
  lam: number | tf.Tensor1D;
}

/**
 * Slices and keeps the first `SAMPLE_ROWS` rows (call inside the step's tf.tidy; the result
 * survives it).
 * @param x mixed batch `[N, H, W, C]`
 * @param yA labels of the batch `[N]`; @param yB labels of the partners `[N]`
 * @param lam label weight of A: a number, a scalar tensor or `[N]`
 */
export function captureSample(
  x: tf.Tensor4D,
  yA: tf.Tensor1D,
  yB: tf.Tensor1D,
  lam: number | tf.Tensor,
): StepSample {
  const k = Math.min(SAMPLE_ROWS, x.shape[0]);
  return {
    x: tf.keep(tf.slice(x, [0, 0, 0, 0], [k, -1, -1, -1])),
    labels: tf.keep(tf.stack([tf.slice(yA, [0], [k]), tf.slice(yB, [0], [k])], 1).toInt() as tf.Tensor2D),
    lam:
      typeof lam === 'number'
        ? lam
        : tf.keep(
            lam.rank === 0
              ? (tf.broadcastTo(tf.reshape(lam, [1]), [k]) as tf.Tensor1D)
              : tf.slice(lam as tf.Tensor1D, [0], [k]),
          ),
  };
}

export function disposeSample(s: StepSample | null): void {
  if (!s) return;
  s.x.dispose();
  s.labels.dispose();
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
  const n = Math.min(k, s.x.shape[0]);
  const pixels = tf.tidy(() => {
    const std = tf.tensor1d(ds.std.slice(0, channels));
    const mean = tf.tensor1d(ds.mean.slice(0, channels));
    const rows = tf.slice(s.x, [0, 0, 0, 0], [n, -1, -1, -1]);
    return tf.clipByValue(tf.round(tf.mul(tf.add(tf.mul(rows, std), mean), 255)), 0, 255).toInt();
  });
  try {
    const [px, labels, lam] = await Promise.all([
      pixels.data(),
      s.labels.data(),
      typeof s.lam === 'number' ? Promise.resolve(null) : s.lam.data(),
    ]);
    const size = height * width * channels;
    return {
      step,
      height,
      width,
      channels,
      images: Array.from({ length: n }, (_, i) => Uint8Array.from(px.subarray(i * size, (i + 1) * size))),
      lam: Array.from({ length: n }, (_, i) => (lam ? lam[i] : (s.lam as number))),
      labelA: Array.from({ length: n }, (_, i) => labels[2 * i]),
      labelB: Array.from({ length: n }, (_, i) => labels[2 * i + 1]),
    };
  } finally {
    pixels.dispose();
  }
}
