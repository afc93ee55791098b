/**
 * MoCo's FIFO queue of keys (docs/ssl.md): a ring buffer of K L2-normalised keys `[K, D]` held in ONE
 * variable. The keys of a batch enter at the pointer and overwrite the oldest ones; the pointer moves
 * by the batch size modulo K (K is a multiple of the batch, so a batch never wraps). Enqueueing is
 * one `assign` of a concatenation: no variable is created per step, nothing is read back.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';

export class KeyQueue {
  /** The keys `[K, D]` (the negatives of InfoNCE). */
  readonly keys: tf.Variable<tf.Rank.R2>;
  readonly size: number;
  readonly dim: number;
  private ptr = 0;

  /**
   * Starts as K random unit vectors (normal deviates from `rng`, normalised), like MoCo's
   * `randn` + `normalize` initial queue.
   */
  constructor(rng: Rng, size: number, dim: number) {
    this.size = size;
    this.dim = dim;
    this.keys = tf.tidy(() => {
      const r = tf.tensor2d(rng.normalArray(size * dim, 1), [size, dim]);
      return tf.variable(l2Normalize(r), false);
    }) as tf.Variable<tf.Rank.R2>;
  }

  /** Index where the next batch of keys is written. */
  get pointer(): number {
    return this.ptr;
  }

  /**
   * Writes a batch of keys `[N, D]` at the pointer (overwriting the oldest N) and advances it.
   * Not disposed; N must divide K.
   */
  enqueue(batch: tf.Tensor2D): void {
    const [n, d] = batch.shape;
    if (d !== this.dim) throw new Error(`keys of dimension ${d} for a queue of dimension ${this.dim}`);
    if (this.size % n !== 0)
      throw new Error(`a batch of ${n} keys does not divide the queue size ${this.size}`);
    const p = this.ptr;
    tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      if (p > 0) parts.push(tf.slice(this.keys, [0, 0], [p, d]));
      parts.push(batch);
      if (p + n < this.size) parts.push(tf.slice(this.keys, [p + n, 0], [this.size - p - n, d]));
      this.keys.assign(parts.length === 1 ? tf.clone(parts[0]) : tf.concat(parts, 0));
    });
    this.ptr = (p + n) % this.size;
  }

  /** Pointer and a copy of the keys (warm-up, checkpoints; the caller disposes the copy). */
  getState(): { ptr: number; keys: tf.Tensor2D } {
    return { ptr: this.ptr, keys: this.keys.clone() };
  }

  setState(s: { ptr: number; keys: tf.Tensor2D }): void {
    this.keys.assign(s.keys);
    this.ptr = s.ptr;
  }

  dispose(): void {
    this.keys.dispose();
  }
}

/** Rows scaled to unit L2 norm (ε = 1e-12 like PyTorch's `F.normalize`). */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.sum(tf.square(x), -1, true));
    return tf.div(x, tf.maximum(norm, 1e-12)) as T;
  });
}
