/**
 * Classification and contrastive losses (docs/method.md and docs/ssl.md): the η-balanced mixup loss of SAMix
 * (Li et al., "Boosting Discriminative Visual Representation Learning with Scenario-Agnostic Mixup",
 * arXiv 2111.15454; OpenMixup `heads/cls_mixup_head.py`, `losses/cross_entropy_loss.py`,
 * `selfsup/moco_samix.py`), the plain mixup cross-entropy, InfoNCE, and accuracy.
 *
 * Conventions: logits `[N, C]`, integer labels `[N]` (int32), one λ per batch for the η-loss.
 * Every function is synchronous and tidy: it returns new tensors and disposes its intermediates.
 * Reported values are means over the batch's rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { EtaMode } from './config';

/** Logit offset that removes a class from a log-sum-exp (exp(−1e9 − max) underflows to 0). */
const MASKED_LOGIT = -1e9;

/** Local / global decomposition of a Mixer objective; `total` is what the optimiser minimises. */
export interface EtaLossParts {
  /** ℓ_local: two-way CE over the two mixed classes (or instances). */
  local: tf.Scalar;
  /** ℓ_global: discrimination from the other classes (or queue negatives). */
  global: tf.Scalar;
  /** The objective: ℓ_local + η·ℓ_global (code-faithful mode: the plain mixup CE). */
  total: tf.Scalar;
}

export interface EtaLossOptions {
  /** η, weight of the global term. */
  eta: number;
  /** Which global term (docs/method.md), or the code-faithful plain mixup CE. */
  global: EtaMode;
}

function asInt(y: tf.Tensor): tf.Tensor {
  return y.dtype === 'int32' ? y : tf.cast(y, 'int32');
}

/** z_y for every row: `[N, C]`, `[N]` → `[N]`. Also returns the one-hot `[N, C]` float mask. */
function pickLogit(logits: tf.Tensor2D, y: tf.Tensor): { z: tf.Tensor1D; oneHot: tf.Tensor2D } {
  // int32 one-hot then cast: tfjs-backend-wasm 4.22 ignores oneHot's dtype argument (it writes the
  // int32 bit pattern into a float32 tensor, so 1 reads as 1.4e-45).
  const oneHot = tf.cast(tf.oneHot(asInt(y) as tf.Tensor1D, logits.shape[1]), 'float32') as tf.Tensor2D;
  return { z: tf.sum(tf.mul(logits, oneHot), 1) as tf.Tensor1D, oneHot };
}

/** Per-row cross-entropy −log softmax(z)_y, `[N]`. */
function rowCE(logits: tf.Tensor2D, y: tf.Tensor): tf.Tensor1D {
  return tf.sub(tf.logSumExp(logits, 1), pickLogit(logits, y).z) as tf.Tensor1D;
}

/**
 * Mean cross-entropy of integer labels.
 * @param logits `[N, C]`
 * @param y `[N]` int32 labels
 * @returns scalar mean over rows of −log softmax(logits)_y
 */
export function crossEntropy(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(rowCE(logits, y)) as tf.Scalar);
}

/**
 * Fraction of rows whose arg-max equals the label, as a scalar tensor (no readback).
 * @param logits `[N, C]`
 * @param y `[N]` int32 labels
 */
export function accuracy(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), asInt(y)), 'float32')) as tf.Scalar);
}

/**
 * Plain mixup cross-entropy: mean over rows of λ·CE(z, y_a) + (1 − λ)·CE(z, y_b), which equals the
 * soft-target CE with target λ·onehot(y_a) + (1 − λ)·onehot(y_b) (docs/method.md).
 * @param logits `[N, C]`
 * @param yA `[N]` int32 labels of the un-shuffled images (weight λ)
 * @param yB `[N]` int32 labels of the shuffled images, y[σ] (weight 1 − λ)
 * @param lam a number, a scalar tensor, or per-sample λ_n as a `[N]` tensor
 */
export function mixupCE(
  logits: tf.Tensor2D,
  yA: tf.Tensor1D,
  yB: tf.Tensor1D,
  lam: number | tf.Tensor,
): tf.Scalar {
  return tf.tidy(() => {
    const l = typeof lam === 'number' ? tf.scalar(lam) : lam;
    const rows = tf.add(tf.mul(l, rowCE(logits, yA)), tf.mul(tf.sub(1, l), rowCE(logits, yB)));
    return tf.mean(rows) as tf.Scalar;
  });
}

/**
 * The η-balanced mixup loss of the Mixer (docs/method.md, docs/decisions.md). For a row with mixed
 * classes i = y_a, j = y_b (i ≠ j), rest R = all other classes:
 *
 * - local  = λ·softplus(z_j − z_i) + (1 − λ)·softplus(z_i − z_j)   (two-way CE over {i, j})
 * - global, by `o.global`:
 *   - `decoupled` (C): λ·[−log softmax over {i} ∪ R at i] + (1 − λ)·[−log softmax over {j} ∪ R at j]
 *     (masked log-sum-exp: the other mixed class gets −1e9)
 *   - `rest` (A): −log((e^{z_i} + e^{z_j}) / Σ_c e^{z_c})
 *   - `fullCE` (B): the plain mixup CE λ·CE_i + (1 − λ)·CE_j
 * - total  = local + η·global
 *
 * Same-class rows (i = j) have no local term: local 0, and the plain CE is added to `global` and to
 * `total` unscaled by η. All three values are means over all N rows.
 *
 * `codeFaithful` (docs/method.md): total = the plain mixup CE (what OpenMixup's released SL code
 * minimises); reported as the exact decomposition local = ℓ_local, global = ℓ_rest, so
 * local + global = total (same-class rows: 0 + CE).
 *
 * Note for gradient closures: only the tensor a closure returns survives it; `tf.keep` the other
 * two if they must be read after the step.
 * @param logits `[N, C]` logits of the mixed batch
 * @param yA `[N]` int32 labels y (weight λ)
 * @param yB `[N]` int32 labels y[σ] (weight 1 − λ)
 * @param lam λ of the batch
 */
export function etaBalancedLoss(
  logits: tf.Tensor2D,
  yA: tf.Tensor1D,
  yB: tf.Tensor1D,
  lam: number,
  o: EtaLossOptions,
): EtaLossParts {
  return tf.tidy(() => {
    const a = pickLogit(logits, yA);
    const b = pickLogit(logits, yB);
    const lse = tf.logSumExp(logits, 1);
    const ceA = tf.sub(lse, a.z);
    const ceB = tf.sub(lse, b.z);
    const dBA = tf.sub(b.z, a.z);
    const local = tf.add(tf.mul(lam, tf.softplus(dBA)), tf.mul(1 - lam, tf.softplus(tf.neg(dBA))));
    const mce = tf.add(tf.mul(lam, ceA), tf.mul(1 - lam, ceB));

    let glob: tf.Tensor;
    if (o.global === 'rest' || o.global === 'codeFaithful') {
      // −log((e^{z_i} + e^{z_j}) / Σ e^z) = lse − (z_i + softplus(z_j − z_i))
      glob = tf.sub(ceA, tf.softplus(dBA));
    } else if (o.global === 'fullCE') {
      glob = mce;
    } else {
      const lseNoB = tf.logSumExp(tf.add(logits, tf.mul(b.oneHot, MASKED_LOGIT)), 1);
      const lseNoA = tf.logSumExp(tf.add(logits, tf.mul(a.oneHot, MASKED_LOGIT)), 1);
      glob = tf.add(tf.mul(lam, tf.sub(lseNoB, a.z)), tf.mul(1 - lam, tf.sub(lseNoA, b.z)));
    }

    const same = tf.equal(asInt(yA), asInt(yB));
    const localRow = tf.where(same, tf.zerosLike(local), local);
    const globalRow = tf.where(same, ceA, glob);
    const totalRow =
      o.global === 'codeFaithful' ? mce : tf.where(same, ceA, tf.add(local, tf.mul(o.eta, glob)));
    return {
      local: tf.mean(localRow) as tf.Scalar,
      global: tf.mean(globalRow) as tf.Scalar,
      total: tf.mean(totalRow) as tf.Scalar,
    };
  });
}

/**
 * InfoNCE: mean over rows of CE([pos, neg] / T, target 0) = log(e^{pos/T} + Σ_k e^{neg_k/T}) − pos/T.
 * @param pos `[N]` similarity to the positive
 * @param neg `[N, K]` similarities to the negatives
 * @param T temperature
 */
export function infoNCE(pos: tf.Tensor1D, neg: tf.Tensor2D, T: number): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.div(pos, T);
    const all = tf.concat([tf.expandDims(p, 1), tf.div(neg, T)], 1);
    return tf.mean(tf.sub(tf.logSumExp(all, 1), p)) as tf.Scalar;
  });
}

/**
 * The SSL η-balanced Mixer loss (docs/ssl.md), instances in place of classes:
 * - local  ("BCE"):     λ·ℓ(s_a, s_b) + (1 − λ)·ℓ(s_b, s_a)   (two-way softmax between the sources)
 * - global ("infoNCE"): λ·ℓ(s_a, s_neg) + (1 − λ)·ℓ(s_b, s_neg) (the other positive is not a negative)
 * - total = local + η·global
 * with ℓ = `infoNCE` at temperature T.
 * @param sA `[N]` similarity of the mixed embedding to the λ-source's positive
 * @param sB `[N]` similarity to the (1 − λ)-source's positive
 * @param sNeg `[N, K]` similarities to the queue negatives
 */
export function sslEtaLoss(
  sA: tf.Tensor1D,
  sB: tf.Tensor1D,
  sNeg: tf.Tensor2D,
  lam: number,
  T: number,
  eta: number,
): EtaLossParts {
  return tf.tidy(() => {
    const local = tf.add(
      tf.mul(lam, infoNCE(sA, tf.expandDims(sB, 1) as tf.Tensor2D, T)),
      tf.mul(1 - lam, infoNCE(sB, tf.expandDims(sA, 1) as tf.Tensor2D, T)),
    ) as tf.Scalar;
    const global = tf.add(
      tf.mul(lam, infoNCE(sA, sNeg, T)),
      tf.mul(1 - lam, infoNCE(sB, sNeg, T)),
    ) as tf.Scalar;
    return { local, global, total: tf.add(local, tf.mul(eta, global)) as tf.Scalar };
  });
}
