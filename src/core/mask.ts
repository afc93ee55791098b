/**
 * Mask algebra shared by every mixing method (docs/method.md; OpenMixup
 * `classifiers/automix.py` `mask_adjust` / `lam_margin`, `heads/pmix_block.py` `mask_loss`).
 *
 * Convention: `m` is the weight of the SHUFFLED image x[σ], `[N, H, W, 1]` in [0, 1]; channel 0 of
 * OpenMixup's two-channel mask is 1 − m (the weight of x, whose label weight is λ).
 * All functions are synchronous and tidy; they never dispose their inputs.
 */
import * as tf from '@tensorflow/tfjs';

/** The permutation σ as an int32 tensor (a host array is uploaded; a tensor is used as is). */
function permTensor(perm: tf.Tensor1D | Int32Array): tf.Tensor1D {
  return perm instanceof tf.Tensor
    ? perm.dtype === 'int32'
      ? perm
      : tf.cast(perm, 'int32')
    : tf.tensor1d(perm, 'int32');
}

/**
 * x̃ = (1 − m)·x + m·x[σ].
 * @param x `[N, H, W, C]` images (or feature maps of any H, W)
 * @param perm σ, `[N]` int32 tensor (or host Int32Array)
 * @param m weight of x[σ]: `[N, H, W, 1]` (broadcast over channels), `[N, 1, 1, 1]`, a scalar or a number
 * @returns `[N, H, W, C]`
 */
export function mixWithMask(
  x: tf.Tensor4D,
  perm: tf.Tensor1D | Int32Array,
  m: tf.Tensor4D | tf.Scalar | number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const xs = tf.gather(x, permTensor(perm));
    return tf.add(tf.mul(tf.sub(1, m), x), tf.mul(m, xs)) as tf.Tensor4D;
  });
}

/** The two unweighted parts of the mask loss (docs/method.md). */
export interface MaskLossParts {
  /** max(|mean(ch0) − λ| − ε, 0), with the batch-global mean. */
  l1: tf.Scalar;
  /** Batch-global variance of m, Σ(m − m̄)² / (N·H·W). */
  variance: tf.Scalar;
}

/**
 * L1 and variance terms of the Mixer's mask loss, batch-global (docs/method.md).
 * @param m `[N, H, W, 1]` weight of x[σ] (so ch0 = 1 − m)
 * @param lam λ the mask was asked for (weight of x)
 * @param margin ε of the L1 term (zero gradient while |mean(ch0) − λ| ≤ ε)
 */
export function maskLossParts(m: tf.Tensor4D, lam: number, margin: number): MaskLossParts {
  return tf.tidy(() => {
    const mean = tf.mean(m);
    const l1 = tf.relu(tf.sub(tf.abs(tf.sub(tf.sub(1, mean), lam)), margin)) as tf.Scalar;
    const variance = tf.mean(tf.square(tf.sub(m, mean))) as tf.Scalar;
    return { l1, variance };
  });
}

export interface MaskLossOptions {
  /** `l1+var` = L1 − 2·Var (SAMix), `l1` = L1 (AutoMix). */
  mode: 'l1' | 'l1+var';
  /** ε of the L1 term. */
  margin: number;
}

/**
 * Unweighted mask loss: L1 (mode `l1`) or L1 − 2·Var (mode `l1+var`); multiply by `maskLossWeight`.
 * @param m `[N, H, W, 1]` weight of x[σ]
 */
export function maskLoss(m: tf.Tensor4D, lam: number, o: MaskLossOptions): tf.Scalar {
  return tf.tidy(() => {
    const { l1, variance } = maskLossParts(m, lam, o.margin);
    return o.mode === 'l1' ? l1 : (tf.sub(l1, tf.mul(2, variance)) as tf.Scalar);
  });
}

/** Threshold below which a sample counts as already at λ (docs/method.md). */
const ADJUST_EPS = 1e-8;

/**
 * Rescales the samples whose |mean(ch0) − λ| exceeds `threshold` so that their mean(ch0) is λ
 * (docs/method.md); the others are returned bit-identical.
 */
function rescaleMask(m: tf.Tensor4D, lam: number, threshold: number): tf.Tensor4D {
  return tf.tidy(() => {
    const a = tf.clipByValue(tf.sub(1, m), ADJUST_EPS, 1 - ADJUST_EPS); // ch0, [N,H,W,1]
    const mu = tf.mean(a, [1, 2, 3], true); // [N,1,1,1]
    // μ > λ: ch0 ← a·λ/μ, so m ← 1 − a·λ/μ.   μ < λ: ch1 ← (1 − a)·(1 − λ)/(1 − μ).
    const down = tf.sub(1, tf.mul(a, tf.div(lam, mu)));
    const up = tf.mul(tf.sub(1, a), tf.div(1 - lam, tf.sub(1, mu)));
    const high = tf.greater(mu, lam + threshold);
    const low = tf.less(mu, lam - threshold);
    const shape = m.shape;
    const adjusted = tf.where(tf.broadcastTo(high, shape), down, tf.where(tf.broadcastTo(low, shape), up, m));
    return adjusted as tf.Tensor4D;
  });
}

/**
 * `mask_adjust` (docs/method.md: pass λ_bb, not OpenMixup's λ_mb): per sample, rescales ch0 =
 * 1 − m so that its mean is exactly λ; values stay in [0, 1]; samples already within 1e-8 of λ are
 * untouched. Returns a new tensor (m is not disposed).
 * @param m `[N, H, W, 1]` weight of x[σ]
 */
export function maskAdjust(m: tf.Tensor4D, lam: number): tf.Tensor4D {
  return rescaleMask(m, lam, ADJUST_EPS);
}

/**
 * SSL `mask_adjust = "auto"` (docs/ssl.md): rescales (as `maskAdjust`) only the samples whose
 * |mean(ch0) − λ| > `margin`; the others are returned unchanged. Returns a new tensor.
 * @param m `[N, H, W, 1]` weight of x[σ]
 */
export function maskAdjustIfFar(m: tf.Tensor4D, lam: number, margin: number): tf.Tensor4D {
  return rescaleMask(m, lam, Math.max(margin, ADJUST_EPS));
}

/**
 * `lam_margin` fallback (docs/method.md): when λ ≤ margin or λ ≥ 1 − margin the backbone uses
 * plain Mixup, i.e. the constant mask m = 1 − λ (ch0 ≡ λ). A negative margin disables it.
 *
 * Ownership: always returns a NEW tensor (a constant fill, or a clone sharing m's data); the caller
 * keeps owning `m` and disposes both.
 * @param m `[N, H, W, 1]` weight of x[σ]
 */
export function lamMarginFallback(m: tf.Tensor4D, lam: number, margin: number): tf.Tensor4D {
  if (lam <= margin || lam >= 1 - margin) return tf.fill(m.shape, 1 - lam) as tf.Tensor4D;
  return tf.clone(m);
}
