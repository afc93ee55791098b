/**
 * λ-exact masks (`maskFit`, a browser design choice, not in OpenMixup): shift every sample's mask
 * logits by one number β_n so that the mask's mean is exactly the target share t,
 *
 *   m'_n = sigmoid(logit(m_n) + β_n),   mean_{h,w}(m'_n) = t.
 *
 * The shift keeps the mask's layout (where it is high or low, and how sharp) and only moves its level,
 * so a near-binary mask stays near-binary. β_n is found by bisection: mean(sigmoid(l + β)) rises
 * monotonically in β, is ≤ t at β = logit(t) − max(l) and ≥ t at β = logit(t) − min(l); a Newton step
 * finishes.
 *
 * Gradient: β_n depends on the logits through the constraint Σ_i σ(l_i + β_n) = const, so
 * ∂β_n/∂l_j = −s'_j / Σ_i s'_i with s' = m'(1 − m'), and for a loss L:
 *   ∂L/∂l_j = s'_j · (g_j − Σ_i g_i s'_i / Σ_i s'_i),   g = ∂L/∂m'.
 * That is the loss's gradient with its level-changing part removed: the fitted mask cannot be moved
 * off its mean. The chain to the input mask m is ∂l/∂m = 1/(m(1 − m)).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Bisection steps, then one Newton step: the bracket (one mask's logit range, ≤ 28) shrinks 2^12-fold,
 * where the mean is close to linear in β and a Newton step lands within float precision. Few steps
 * matter on GPUs, where every step is several kernel launches (`npm run bench` counts them).
 */
const BISECTIONS = 12;
/** Masks are clipped to [EPS, 1 − EPS] before taking logits (|logit| ≤ 13.8). */
const EPS = 1e-6;

/** β `[N, 1, 1, 1]` with mean(sigmoid(l + β)) = t per sample; `l` `[N, H, W, 1]`, `t` `[N, 1, 1, 1]`. */
function solveShift(l: tf.Tensor4D, t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const target = tf.sub(tf.log(t), tf.log1p(tf.neg(t)));
    let lo = tf.sub(target, tf.max(l, [1, 2, 3], true)) as tf.Tensor4D; // mean ≤ t here
    let hi = tf.sub(target, tf.min(l, [1, 2, 3], true)) as tf.Tensor4D; // mean ≥ t here
    for (let i = 0; i < BISECTIONS; i++) {
      const mid = tf.mul(tf.add(lo, hi), 0.5) as tf.Tensor4D;
      const above = tf.greater(tf.mean(tf.sigmoid(tf.add(l, mid)), [1, 2, 3], true), t);
      hi = tf.where(above, mid, hi);
      lo = tf.where(above, lo, mid);
    }
    const beta = tf.mul(tf.add(lo, hi), 0.5);
    const s = tf.sigmoid(tf.add(l, beta));
    const slope = tf.mean(tf.mul(s, tf.sub(1, s)), [1, 2, 3], true);
    const miss = tf.sub(tf.mean(s, [1, 2, 3], true), t);
    return tf.sub(beta, tf.div(miss, tf.maximum(slope, 1e-12))) as tf.Tensor4D;
  });
}

/** Smallest distance of a Mixer mask's target mean from 0 and 1 (λ can reach 0 or 1 for tiny α). */
const TARGET_MARGIN = 1e-4;

/** The fit's target for a Mixer mask m (weight of x[σ]) at mixing ratio λ: 1 − λ, kept inside (0, 1). */
export function mixerFitTarget(lam: number): number {
  return Math.min(1 - TARGET_MARGIN, Math.max(TARGET_MARGIN, 1 - lam));
}

/**
 * Fits every sample's mask mean to its target.
 * @param m masks `[N, H, W, 1]` in (0, 1)
 * @param t target mean in (0, 1), one for all samples or one per sample (length N); for the Mixer's
 *   mask m, the weight of x[σ], t = 1 − λ
 * @returns `[N, H, W, 1]`, each sample's mean equal to its target (to float precision)
 */
export function fitMaskMean(m: tf.Tensor4D, t: number | number[]): tf.Tensor4D {
  const n = m.shape[0];
  const targets = typeof t === 'number' ? new Array<number>(n).fill(t) : t;
  if (targets.length !== n) throw new RangeError(`fitMaskMean: ${targets.length} targets for ${n} masks`);
  const bad = targets.find((v) => !(v > 0 && v < 1));
  if (bad !== undefined) throw new RangeError(`fitMaskMean: target mean must be in (0, 1); got ${bad}`);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const clipped = tf.clipByValue(input, EPS, 1 - EPS);
    const logits = tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped))) as tf.Tensor4D;
    const fitted = tf.sigmoid(tf.add(logits, solveShift(logits, tf.tensor4d(targets, [n, 1, 1, 1]))));
    save([clipped, fitted]);
    return {
      value: fitted,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [c, out] = saved;
        const slope = tf.mul(out, tf.sub(1, out)); // s'
        const level = tf.div(
          tf.sum(tf.mul(dy, slope), [1, 2, 3], true),
          tf.add(tf.sum(slope, [1, 2, 3], true), 1e-12),
        ); // Σ g s' / Σ s'
        const dLogits = tf.mul(slope, tf.sub(dy, level));
        return tf.div(dLogits, tf.mul(c, tf.sub(1, c)));
      },
    };
  });
  return op(m) as tf.Tensor4D;
}
