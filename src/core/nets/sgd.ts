/**
 * SGD with momentum and weight decay, PyTorch semantics (spec §2.3):
 *   d = g + wd·θ;  buf ← μ·buf + d;  θ ← θ − lr·buf        (buf starts at 0, μ = 0.9)
 *
 * Own implementation rather than `tf.train.momentum` so that the learning rate can change every
 * step (cosine schedules, live edits), the slot can be saved and restored for checkpoints, and the
 * update is one fused computation over all parameters: the gradients and parameters are
 * concatenated into flat vectors, updated with a few kernels, split and assigned. The momentum slot
 * is a single flat variable `[P]` in the order of the variable list. The trainer's optimisers own
 * ONE flat variable each (flat.ts), so there is nothing to concatenate or split: 6 kernels a step.
 */
import * as tf from '@tensorflow/tfjs';
import { flatConcat, splitFlat } from './params';

export interface SgdOptions {
  /** Momentum μ (PyTorch default for the reference configs: 0.9). */
  momentum: number;
  /** L2 weight decay added to the gradient. */
  weightDecay: number;
}

export class Sgd {
  readonly vars: tf.Variable[];
  readonly options: SgdOptions;
  private readonly shapes: number[][];
  private readonly size: number;
  /** Momentum buffer, flat `[P]`. */
  private slot: tf.Variable<tf.Rank.R1>;

  /**
   * @param vars the variables this optimiser owns (order fixes the slot layout)
   */
  constructor(vars: tf.Variable[], options: SgdOptions) {
    if (vars.length === 0) throw new Error('Sgd needs at least one variable');
    this.vars = vars;
    this.options = options;
    this.shapes = vars.map((v) => v.shape);
    this.size = vars.reduce((s, v) => s + v.size, 0);
    this.slot = tf.tidy(() => tf.variable(tf.zeros([this.size]), false)) as tf.Variable<tf.Rank.R1>;
  }

  /**
   * One update with learning rate `lr`.
   * @param grads gradients by variable name (as `tf.variableGrads` returns them); a missing entry
   *   counts as a zero gradient (weight decay and momentum still act on that variable). Not disposed.
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const { momentum, weightDecay } = this.options;
    tf.tidy(() => {
      const g = flatConcat(this.vars.map((v) => grads[v.name] ?? tf.zerosLike(v))); // [P]
      const theta = flatConcat(this.vars); // [P]
      // buf = μ·buf + g + wd·θ (one AddN for the three terms)
      const terms = [g];
      if (weightDecay > 0) terms.push(tf.mul(theta, weightDecay));
      if (momentum > 0) terms.push(tf.mul(this.slot, momentum));
      const buf = terms.length === 1 ? g : (tf.addN(terms) as tf.Tensor1D); // [P]
      const updated = tf.sub(theta, tf.mul(buf, lr)) as tf.Tensor1D; // [P]
      if (momentum > 0) this.slot.assign(buf as tf.Tensor1D);
      const parts = splitFlat(updated, this.shapes);
      this.vars.forEach((v, i) => v.assign(parts[i]));
    });
  }

  /** A copy of the momentum buffer `[P]` (caller disposes). */
  getSlot(): tf.Tensor1D {
    return this.slot.clone();
  }

  /** Restores the momentum buffer from a flat `[P]` tensor or array. */
  setSlot(values: tf.Tensor1D | Float32Array): void {
    tf.tidy(() => {
      const t = values instanceof Float32Array ? tf.tensor1d(values) : values;
      if (t.size !== this.size) throw new Error(`slot size ${t.size} ≠ ${this.size}`);
      this.slot.assign(t);
    });
  }

  dispose(): void {
    this.slot.dispose();
  }
}
