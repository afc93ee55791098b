/**
 * Adam for the Mixer (docs/method.md: "separate SGD … (or Adam 1e-3 as fallback)"), PyTorch semantics
 * with coupled L2 weight decay:
 *   d = g + wd·θ;  m ← β1·m + (1−β1)·d;  v ← β2·v + (1−β2)·d²
 *   θ ← θ − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 *
 * Why the Mixer needs it here: its query and key convs start at N(0, 0.01²), so the attention
 * scores Q·Kᵀ start at a saddle where each weight's gradient is scaled by the other's tiny weights.
 * The only λ-dependent path of the SAMix mask runs through that attention (the value net's
 * BatchNorm removes the λ scaling of Z_b, since one pass shares one λ). Plain SGD at the browser's
 * few thousand steps stays at the saddle and the mask mean ignores λ; Adam's per-weight step size
 * leaves it within a few hundred steps (measured: src/core/nets/adam.test.ts and docs/decisions.md).
 *
 * Same flat layout as `Sgd`: one slot `[2P + 1]` = [m, v, t] so a checkpoint saves it as one tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { flatConcat, splitFlat } from './params';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 weight decay added to the gradient (PyTorch `Adam(weight_decay=…)`). */
  weightDecay: number;
}

export const ADAM_DEFAULTS: Omit<AdamOptions, 'weightDecay'> = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Step counters of the slots `getSlot()` handed out, so `setSlot(tensor)` needs no GPU readback. */
const SLOT_STEPS = new WeakMap<tf.Tensor, number>();

export class Adam {
  readonly vars: tf.Variable[];
  readonly options: AdamOptions;
  private readonly shapes: number[][];
  private readonly size: number;
  private readonly m: tf.Variable<tf.Rank.R1>;
  private readonly v: tf.Variable<tf.Rank.R1>;
  /** Updates taken (host side; part of the slot for checkpoints). */
  private t = 0;

  constructor(vars: tf.Variable[], options: AdamOptions) {
    if (vars.length === 0) throw new Error('Adam needs at least one variable');
    this.vars = vars;
    this.options = options;
    this.shapes = vars.map((x) => x.shape);
    this.size = vars.reduce((s, x) => s + x.size, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([this.size]), false)) as tf.Variable<tf.Rank.R1>;
    this.v = tf.tidy(() => tf.variable(tf.zeros([this.size]), false)) as tf.Variable<tf.Rank.R1>;
  }

  /** Length of `getSlot()`: m, v and the step counter. */
  get slotSize(): number {
    return 2 * this.size + 1;
  }

  /**
   * One update with learning rate `lr`; a missing gradient counts as zero. Grads are not disposed.
   */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    this.t += 1;
    const c1 = 1 - beta1 ** this.t;
    const c2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      const g = flatConcat(this.vars.map((x) => grads[x.name] ?? tf.zerosLike(x))); // [P]
      const theta = flatConcat(this.vars); // [P]
      const d = weightDecay > 0 ? tf.add(g, tf.mul(theta, weightDecay)) : g;
      const m = tf.add(tf.mul(this.m, beta1), tf.mul(d, 1 - beta1)) as tf.Tensor1D;
      const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(d), 1 - beta2)) as tf.Tensor1D;
      // lr·m̂/(√v̂ + ε) = (lr/c1)·m / (√v/√c2 + ε)
      const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(c2)), epsilon);
      const updated = tf.sub(theta, tf.mul(tf.div(m, denom), lr / c1)) as tf.Tensor1D;
      this.m.assign(m);
      this.v.assign(v);
      const parts = splitFlat(updated, this.shapes);
      this.vars.forEach((x, i) => x.assign(parts[i]));
    });
  }

  /** A copy of [m, v, t] `[2P + 1]` (caller disposes). */
  getSlot(): tf.Tensor1D {
    const slot = tf.tidy(() => tf.concat([this.m, this.v, tf.tensor1d([this.t])]) as tf.Tensor1D);
    SLOT_STEPS.set(slot, this.t);
    return slot;
  }

  /**
   * Restores [m, v, t] from `getSlot()`'s layout: a host array (checkpoints), or a tensor. A tensor
   * that `getSlot()` returned carries its step counter on the host; any other tensor is read back
   * synchronously for t (a WebGPU device does not survive that in a worker on every driver).
   */
  setSlot(values: tf.Tensor1D | Float32Array): void {
    const n = values instanceof Float32Array ? values.length : values.size;
    if (n !== this.slotSize) throw new Error(`Adam slot size ${n} ≠ ${this.slotSize}`);
    const t =
      values instanceof Float32Array
        ? values[n - 1]
        : (SLOT_STEPS.get(values) ?? tf.tidy(() => values.slice([n - 1], [1]).dataSync()[0]));
    tf.tidy(() => {
      const all = values instanceof Float32Array ? tf.tensor1d(values) : values;
      this.m.assign(all.slice([0], [this.size]));
      this.v.assign(all.slice([this.size], [this.size]));
    });
    this.t = t;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

/** What the trainers need from the Mixer's optimiser (Sgd and Adam). */
export interface FlatOptimizer {
  readonly vars: tf.Variable[];
  step(grads: tf.NamedTensorMap, lr: number): void;
  getSlot(): tf.Tensor1D;
  setSlot(values: tf.Tensor1D | Float32Array): void;
  dispose(): void;
}
