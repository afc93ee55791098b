/**
 * The dataset resident on the TF.js backend: the uint8 train/test images are normalised on the host
 * ((v/255 − mean_c)/std_c) and uploaded ONCE as float32 tensors; every step gathers its batch on the
 * device from indices of an epoch permutation drawn from the run's `Rng`. No per-step upload of
 * pixels, no readback.
 *
 * Batches are a continuous stream: when a permutation runs out mid-batch the next epoch's
 * permutation is drawn and the batch continues with it, so `samplesSeen / trainCount` is the
 * (fractional) epoch and `ceil(epochs·trainCount/batch)` steps are exactly `epochs` epochs.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset, ImageSplit } from '../data/types';
import { cropFlipIndices, drawAugment } from './augment';
import type { Rng } from '../lib/random';

/** Host-side normalisation of the first `count` images of a split → float32 HWC. */
function normalise(split: ImageSplit, count: number, ds: ImageDataset): Float32Array {
  const c = ds.channels;
  const n = count * ds.height * ds.width * c;
  const out = new Float32Array(n);
  const scale = ds.std.map((s) => 1 / (255 * s));
  const shift = ds.mean.map((m, i) => m / ds.std[i]);
  for (let i = 0; i < n; i++) {
    const ch = i % c;
    out[i] = split.images[i] * scale[ch] - shift[ch];
  }
  return out;
}

export interface ResidentDataOptions {
  /** Training images used (0 = all). */
  trainSize: number;
  /** Test images used (0 = all). */
  testSize: number;
}

export interface Batch {
  /** `[N, H, W, C]` normalised (and augmented if asked). */
  x: tf.Tensor4D;
  /** `[N]` int32 labels. */
  y: tf.Tensor1D;
}

/** A training batch and its labels on the host too (uploaded, never gathered on the device). */
export interface TrainBatch extends Batch {
  labels: Int32Array;
}

export class ResidentData {
  readonly dataset: ImageDataset;
  readonly trainCount: number;
  readonly testCount: number;
  /** `[trainCount, H, W, C]` float32, normalised. */
  readonly trainX: tf.Tensor4D;
  /** `[trainCount]` int32. */
  readonly trainY: tf.Tensor1D;
  /** `[testCount, H, W, C]` float32, normalised. */
  readonly testX: tf.Tensor4D;
  /** `[testCount]` int32. */
  readonly testY: tf.Tensor1D;
  /** `trainX` seen as pixel rows `[trainCount·H·W, C]` (same data; the augmenting gather reads it). */
  private readonly trainPixels: tf.Tensor2D;
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  /** Training samples drawn so far. */
  samplesSeen = 0;

  constructor(ds: ImageDataset, o: ResidentDataOptions) {
    this.dataset = ds;
    this.trainCount = o.trainSize > 0 ? Math.min(o.trainSize, ds.train.count) : ds.train.count;
    this.testCount = o.testSize > 0 ? Math.min(o.testSize, ds.test.count) : ds.test.count;
    if (this.trainCount < 1) throw new Error(`dataset ${ds.name} has no training images`);
    const shape = (n: number): [number, number, number, number] => [n, ds.height, ds.width, ds.channels];
    this.trainX = tf.tensor4d(normalise(ds.train, this.trainCount, ds), shape(this.trainCount));
    this.trainY = tf.tensor1d(Int32Array.from(ds.train.labels.subarray(0, this.trainCount)), 'int32');
    this.testX = tf.tensor4d(normalise(ds.test, this.testCount, ds), shape(this.testCount));
    this.testY = tf.tensor1d(Int32Array.from(ds.test.labels.subarray(0, this.testCount)), 'int32');
    this.trainPixels = tf.reshape(this.trainX, [this.trainCount * ds.height * ds.width, ds.channels]);
  }

  /** Fractional epoch: samples drawn / training images. */
  get epoch(): number {
    return this.samplesSeen / this.trainCount;
  }

  /** The next `n` training indices (drawing a new epoch permutation from `rng` when needed). */
  nextIndices(rng: Rng, n: number): Int32Array {
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (this.cursor >= this.order.length) {
        this.order = rng.permutation(this.trainCount);
        this.cursor = 0;
      }
      idx[i] = this.order[this.cursor++];
    }
    this.samplesSeen += n;
    return idx;
  }

  /**
   * The next training batch, gathered on the device; with `augment`, random crop (+ flip if the
   * dataset allows it) with parameters from `rng` (drawn after the indices) — fetch and augmentation
   * are one gather.
   */
  nextBatch(rng: Rng, n: number, augment: boolean): TrainBatch {
    const idx = this.nextIndices(rng, n);
    const aug = augment ? drawAugment(rng, n, this.dataset.flip) : null;
    const { height: h, width: w, channels: c } = this.dataset;
    const all = this.dataset.train.labels;
    const labels = Int32Array.from(idx, (i) => all[i]);
    return tf.tidy(() => {
      const y = tf.tensor1d(labels, 'int32'); // [N] (an upload: no gather kernel)
      if (!aug) return { x: tf.gather(this.trainX, tf.tensor1d(idx, 'int32')) as tf.Tensor4D, y, labels };
      const pixels = tf.tensor1d(cropFlipIndices(idx, aug, h, w), 'int32'); // [N·H·W]
      return { x: tf.reshape(tf.gather(this.trainPixels, pixels), [n, h, w, c]) as tf.Tensor4D, y, labels }; // [N, H, W, C]
    });
  }

  /** Test images `[start, end)`: views gathered into new tensors `[n, H, W, C]`, `[n]`. */
  testSlice(start: number, end: number): Batch {
    return tf.tidy(() => ({
      x: tf.slice(this.testX, [start, 0, 0, 0], [end - start, -1, -1, -1]),
      y: tf.slice(this.testY, [start], [end - start]),
    }));
  }

  /** Position in the data stream (for checkpoints). */
  getState(): { order: Int32Array; cursor: number; samplesSeen: number } {
    return { order: this.order.slice(), cursor: this.cursor, samplesSeen: this.samplesSeen };
  }

  setState(s: { order: Int32Array; cursor: number; samplesSeen: number }): void {
    this.order = s.order.slice();
    this.cursor = s.cursor;
    this.samplesSeen = s.samplesSeen;
  }

  dispose(): void {
    for (const t of [this.trainX, this.trainPixels, this.trainY, this.testX, this.testY]) t.dispose();
  }
}
