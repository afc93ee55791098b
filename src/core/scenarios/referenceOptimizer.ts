/**
 * The reference steps' optimisers (reference.ts): the update of each optimiser the trainer uses,
 * written as its formula, variable by variable, with its state kept per variable. The trainer's own
 * optimisers (nets/sgd.ts, nets/adam.ts) run the same formulas fused over one flat vector.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import { classifierVariables, mixerVariables, type SlModel } from '../model';
import { ADAM_DEFAULTS } from '../nets/adam';
import { MIXER_SGD_MOMENTUM } from '../nets/mixerOptimizer';
import { SGD_MOMENTUM } from '../trainerSetup';

/**
 * Momentum SGD or Adam, PyTorch semantics with coupled weight decay, written per variable:
 *   SGD:  d = g + wd·θ;  b ← μ·b + d;  θ ← θ − lr·b
 *   Adam: d = g + wd·θ;  m ← β1·m + (1−β1)·d;  v ← β2·v + (1−β2)·d²;  θ ← θ − lr·m̂ / (√v̂ + ε)
 */
export class ReferenceOptimizer {
  private readonly slots = new Map<tf.Variable, tf.Tensor[]>();
  private t = 0;

  constructor(
    readonly kind: 'sgd' | 'adam',
    readonly vars: tf.Variable[],
    readonly weightDecay: number,
    readonly momentum = SGD_MOMENTUM,
  ) {}

  update(grads: tf.NamedTensorMap, lr: number): void {
    this.t += 1;
    const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
    for (const v of this.vars) {
      const next = tf.tidy(() => {
        const g = grads[v.name] ?? tf.zerosLike(v);
        const d = tf.add(g, tf.mul(v, this.weightDecay));
        const old = this.slots.get(v);
        if (this.kind === 'sgd') {
          const b = old ? tf.add(tf.mul(old[0], this.momentum), d) : d;
          return { theta: tf.sub(v, tf.mul(b, lr)), slots: [b] };
        }
        const m = tf.add(tf.mul(old?.[0] ?? tf.zerosLike(v), beta1), tf.mul(d, 1 - beta1));
        const s = tf.add(tf.mul(old?.[1] ?? tf.zerosLike(v), beta2), tf.mul(tf.square(d), 1 - beta2));
        const mHat = tf.div(m, 1 - beta1 ** this.t);
        const sHat = tf.div(s, 1 - beta2 ** this.t);
        return { theta: tf.sub(v, tf.mul(tf.div(mHat, tf.add(tf.sqrt(sHat), epsilon)), lr)), slots: [m, s] };
      });
      v.assign(next.theta);
      next.theta.dispose();
      this.slots.get(v)?.forEach((t) => t.dispose());
      this.slots.set(v, next.slots);
    }
  }

  dispose(): void {
    for (const s of this.slots.values()) s.forEach((t) => t.dispose());
    this.slots.clear();
  }
}

/** The optimisers of a run as the trainer configures them (trainerSetup.ts), in reference form. */
export function referenceOptimizers(
  cfg: RunConfig,
  model: SlModel,
): {
  optQ: ReferenceOptimizer;
  optMixer: ReferenceOptimizer | null;
} {
  const optQ = new ReferenceOptimizer('sgd', classifierVariables(model, cfg), cfg.weightDecay);
  const phi = mixerVariables(model);
  const optMixer =
    phi.length === 0
      ? null
      : new ReferenceOptimizer(cfg.mixerOptimizer, phi, cfg.weightDecay, MIXER_SGD_MOMENTUM);
  return { optQ, optMixer };
}
