/**
 * SGD with momentum and weight decay, PyTorch semantics (docs/method.md):
 *   d = g + wd·θ;  buf ← μ·buf + d;  θ ← θ − lr·buf        (buf starts at 0, μ = 0.9)
 *
 * Own implementation rather than `tf.train.momentum` so that the learning rate can change every
 * step (cosine schedules, live edits), the slot can be saved and restored for checkpoints, and the
 * update is one fused computation over all parameters: the gradients and parameters are
 * concatenated into flat vectors, updated with a few kernels, split and assigned. The momentum slot
 * is a single flat variable `[P]` in the order of the variable list. The trainer's optimisers own
 * ONE flat variable each (flat.ts), so there is nothing to concatenate or split: the new parameters,
 * the new slot (and, fused in, the momentum encoder's EMA) are one matrix product of the stacked
 * [g, θ, slot, target] — 3 kernels a step.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './kernels';
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
   * @param ema also move an EMA target of this optimiser's ONE variable in the same kernels:
   *   target ← m·target + (1 − m)·θ_new (nets/ema.ts; the momentum encoder)
   */
  step(grads: tf.NamedTensorMap, lr: number, ema?: { target: tf.Variable; m: number }): void {
    const { momentum: mu, weightDecay: wd } = this.options;
    if (ema && (this.vars.length !== 1 || ema.target.size !== this.size))
      throw new Error('Sgd: a fused EMA needs one variable and a target of its size');
    tf.tidy(() => {
      const g = flatConcat(this.vars.map((v) => grads[v.name] ?? tf.zerosLike(v))); // [P]
      const theta = flatConcat(this.vars); // [P]
      // Every output is linear in the inputs [g, θ, buf_old, target]:
      //   buf = g + wd·θ + μ·buf_old,  θ' = θ − lr·buf,  target' = m·target + (1 − m)·θ'
      // so they are ONE product of a small coefficient matrix with the stacked inputs (3 kernels).
      const inputs: tf.Tensor[] = [g, theta];
      const bufRow = [1, wd];
      const thetaRow = [-lr, 1 - lr * wd];
      if (mu > 0) {
        inputs.push(this.slot);
        bufRow.push(mu);
        thetaRow.push(-lr * mu);
      }
      const rows = [thetaRow];
      if (mu > 0) rows.push(bufRow);
      if (ema) {
        inputs.push(ema.target);
        thetaRow.push(0);
        if (mu > 0) bufRow.push(0);
        rows.push([...thetaRow.map((c) => (1 - ema.m) * c).slice(0, -1), ema.m]);
      }
      const coef = tf.tensor2d(rows.flat(), [rows.length, inputs.length]);
      const out = tf.unstack(batchMatMul(coef as unknown as tf.Tensor3D, tf.stack(inputs) as tf.Tensor3D));
      const updated = out[0] as tf.Tensor1D; // [P]
      if (mu > 0) this.slot.assign(out[1] as tf.Tensor1D);
      if (ema) ema.target.assign(out[rows.length - 1] as tf.Tensor1D);
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
