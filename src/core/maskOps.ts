/**
 * The Mixer's mask ops as custom-gradient ops (the same math as mask.ts, which stays the
 * reference): mixing two images with a mask, differentiable with respect to the mask only, and the
 * weighted mask loss with its gradient written out. Re-exported by lossOps.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { lossOp } from './customLossOp';
import { gatherRows } from './nets/kernels';

/**
 * `mixWithMask` (mask.ts) as one op differentiable w.r.t. the mask only (x is data):
 * x̃ = x + m·(x[σ] − x), ∂/∂m = Σ_c ∂x̃·(x[σ] − x).
 * @param x `[N, H, W, C]`; @param m `[N, H, W, 1]` weight of x[σ]
 */
export function mixWithMaskOp(x: tf.Tensor4D, perm: Int32Array, m: tf.Tensor4D): tf.Tensor4D {
  const { value } = lossOp(m, (saves) => {
    const diff = tf.sub(gatherRows(x, perm), x);
    if (saves) saves.keep(diff);
    return {
      value: tf.add(x, tf.mul(m, diff)),
      side: {},
      grad: (dy: tf.Tensor) => tf.sum(tf.mul(dy, diff), 3, true),
    };
  });
  return value as tf.Tensor4D;
}

/** The Mixer's weighted mask loss and its two reported parts (mask.ts). */
export interface MaskLossOut {
  /** w·(L1 − 2·Var), or w·L1 in mode `l1` (differentiable). */
  loss: tf.Scalar;
  l1: tf.Scalar;
  variance: tf.Scalar;
}

/**
 * `maskLossParts` + `maskLoss` (mask.ts) as one op: L1 = max(|1 − m̄ − λ| − ε, 0), Var = mean((m − m̄)²),
 * ∂L1/∂m = −[|t| > ε]·sign(t)/M with t = 1 − m̄ − λ, ∂Var/∂m = 2(m − m̄)/M.
 *
 * With `o.fitted` (masks fitted to mean 1 − λ each, maskFit.ts) m̄ is 1 − λ by construction: L1 is
 * zero and the mean is not measured (fewer kernels; the batch variance is then the same number).
 * @param m `[N, H, W, 1]` weight of x[σ]
 */
export function maskLossOp(
  m: tf.Tensor4D,
  lam: number,
  o: { mode: 'l1' | 'l1+var'; margin: number; weight: number; fitted?: boolean },
): MaskLossOut {
  const M = m.size;
  const { value, side } = lossOp(m, (saves) => {
    const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
    const mean = o.fitted ? 1 - lam : tf.mean(m);
    const t = o.fitted ? null : keep(tf.sub(1 - lam, mean)); // 1 − m̄ − λ
    const over = t ? keep(tf.sub(tf.abs(t), o.margin)) : null; // |t| − ε
    const l1 = (over ? tf.relu(over) : tf.scalar(0)) as tf.Scalar;
    const cen = keep(tf.sub(m, mean));
    const variance = tf.mean(tf.square(cen)) as tf.Scalar;
    const unweighted = o.mode === 'l1' ? l1 : tf.sub(l1, tf.mul(variance, 2));
    return {
      value: tf.mul(unweighted, o.weight),
      side: { l1, variance },
      grad: (dy: tf.Tensor) => {
        const s = tf.mul(dy, -o.weight / M); // −w·dy/M
        const dVar = (): tf.Tensor => tf.mul(cen, tf.mul(s, 4)); // Var: (m − m̄)·(−4w·dy/M)
        if (!t || !over) return o.mode === 'l1' ? tf.zerosLike(m) : dVar();
        // L1: [|t| > ε]·sign(t)·(−w·dy/M) (TF.js: the subgradient of |t| at 0 is −1, of relu at 0 is 0)
        const c1 = tf.mul(tf.mul(tf.step(over), tf.step(t, -1)), s);
        if (o.mode === 'l1') return tf.broadcastTo(c1, m.shape);
        return tf.add(dVar(), c1);
      },
    };
  });
  return { loss: value as tf.Scalar, l1: side.l1 as tf.Scalar, variance: side.variance as tf.Scalar };
}
