/**
 * The terms of a self-supervised step (docs/ssl.md), in the order sslStep.ts runs them: the random
 * draws (step 1), the cross-view mix and similarities, the Mixer objective (closure A, varList φ;
 * label-free) and the online objective (closure B, varList θ_q ∪ h_q).
 */
import * as tf from '@tensorflow/tfjs';
import { effectiveMaskLossMode, effectiveMaskLossWeight, type RunConfig } from '../config';
import { infoNCE, sslEtaLoss, type EtaLossParts } from '../losses';
import { maskLossParts } from '../mask';
import type { BnRecord } from '../nets/batchNorm';
import type { ClassifierTree } from '../nets/fused';
import { mixerForward, type MixerParams } from '../nets/mixer';
import { section } from '../perf';
import type { Rng } from '../../lib/random';
import type { ResidentData } from '../residentData';
import { drawViews, type ViewOptions, type ViewParams } from '../sslViews';
import { embed, type SslNets } from '../ssl/model';

/** The draws of one SSL step, in the order they are taken from the run generator. */
export interface SslDraws {
  /** Training-set rows of the batch (labels are never gathered). */
  idx: Int32Array;
  /** Crop/flip/colour parameters of view 1 and view 2. */
  p1: ViewParams;
  p2: ViewParams;
  /** λ_mb (SAMix only, else NaN) and λ_bb (mixing methods, else 1). */
  lamMb: number;
  lamBb: number;
  permMb: Int32Array | null;
  permBb: Int32Array | null;
  /** Shuffled-BN sub-batches and the key shuffles of view 1 (mixing methods) and view 2. */
  split: number;
  shuffle1?: Int32Array;
  shuffle2?: Int32Array;
}

/** Step 1: batch, both views, λ_mb, λ_bb, σ_mb, σ_bb, key shuffles — in this order. */
export function drawSsl(
  rng: Rng,
  data: ResidentData,
  n: number,
  views: ViewOptions,
  o: { mixing: boolean; samix: boolean; alpha: number },
): SslDraws {
  const ds = data.dataset;
  const idx = data.nextIndices(rng, n);
  const p1 = drawViews(rng, n, ds.height, ds.width, views);
  const p2 = drawViews(rng, n, ds.height, ds.width, views);
  const lamMb = o.samix ? rng.beta(o.alpha, o.alpha) : NaN;
  const lamBb = o.mixing ? rng.beta(o.alpha, o.alpha) : 1;
  const permMb = o.samix ? rng.permutation(n) : null;
  const permBb = o.mixing ? rng.permutation(n) : null;
  const split = bnSplit(n);
  const shuffle1 = o.mixing && split > 1 ? rng.permutation(n) : undefined;
  const shuffle2 = split > 1 ? rng.permutation(n) : undefined;
  return { idx, p1, p2, lamMb, lamBb, permMb, permBb, split, shuffle1, shuffle2 };
}

/** Sub-batches of the shuffled BN (2 when the batch splits evenly into halves of ≥ 4). */
export function bnSplit(batch: number): number {
  return batch % 2 === 0 && batch >= 8 ? 2 : 1;
}

/** Row-wise dot products `[N, D]·[N, D]` → `[N]`. */
function rowDot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(a, b), 1) as tf.Tensor1D;
}

/** Similarities to the queue `[N, D]·[K, D]ᵀ` → `[N, K]`. */
function queueSims(z: tf.Tensor2D, queue: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(z, queue, false, true);
}

/** (1 − m)⊙a + m⊙b[σ]: view 1 of n with view 2 of σ(n). `m` `[N, H, W, 1]`. */
export function crossViewMix(a: tf.Tensor4D, b: tf.Tensor4D, perm: Int32Array, m: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const bs = tf.gather(b, tf.tensor1d(perm, 'int32'));
    return tf.add(tf.mul(tf.sub(1, m), a), tf.mul(m, bs)) as tf.Tensor4D;
  });
}

/**
 * Contrastive loss of a mixed embedding with its two cross-view positives (docs/ssl.md L_bb):
 * λ·InfoNCE(z·k²_n, z·Queue) + (1 − λ)·InfoNCE(z·k¹_σ(n), z·Queue).
 */
export function mixedContrastive(
  z: tf.Tensor2D,
  k1: tf.Tensor2D,
  k2: tf.Tensor2D,
  perm: Int32Array,
  queue: tf.Tensor2D,
  lam: number,
  T: number,
): tf.Scalar {
  return tf.tidy(() => {
    const { sA, sB, sNeg } = crossViewSims(z, k1, k2, perm, queue);
    return tf.add(tf.mul(lam, infoNCE(sA, sNeg, T)), tf.mul(1 - lam, infoNCE(sB, sNeg, T))) as tf.Scalar;
  });
}

/** s_a = z·k²_n, s_b = z·k¹_σ(n), s_neg = z·Queue (docs/ssl.md). */
export function crossViewSims(
  z: tf.Tensor2D,
  k1: tf.Tensor2D,
  k2: tf.Tensor2D,
  perm: Int32Array,
  queue: tf.Tensor2D,
): { sA: tf.Tensor1D; sB: tf.Tensor1D; sNeg: tf.Tensor2D } {
  return tf.tidy(() => {
    const k1s = tf.gather(k1, tf.tensor1d(perm, 'int32')) as tf.Tensor2D;
    return { sA: rowDot(z, k2), sB: rowDot(z, k1s), sNeg: queueSims(z, queue) };
  });
}

/** What the Mixer objective reads: the momentum network, both views, their features and keys. */
export interface SslMixerInputs {
  mixer: MixerParams;
  nets: Pick<SslNets, 'kFc2'>;
  kv: ClassifierTree;
  x1: tf.Tensor4D;
  x2: tf.Tensor4D;
  /** Stage-l features of view 1 and of view 2 shuffled by σ_mb. */
  f1: tf.Tensor4D;
  zbMb: tf.Tensor4D;
  k1: tf.Tensor2D;
  k2: tf.Tensor2D;
  queue: tf.Tensor2D;
}

/**
 * Closure A (varList φ): mask_mb from the Mixer, x_mb = mix of x¹ and x²[σ_mb], its embedding
 * through the frozen momentum network, the η-balanced contrastive loss and w·mask loss.
 */
export function sslMixerObjective(
  a: SslMixerInputs,
  d: SslDraws,
  cfg: RunConfig,
  mo: { outSize: [number, number]; lamMulK: number; bnUpdates: BnRecord[] },
): { eta: EtaLossParts; mask: tf.Scalar; l1: tf.Scalar; variance: tf.Scalar } {
  section('mixer');
  const mMb = mixerForward(a.mixer, { za: a.f1, zb: a.zbMb }, d.lamMb, { ...mo, training: true }).m;
  const { l1, variance } = maskLossParts(mMb, d.lamMb, cfg.maskMargin);
  const shape = effectiveMaskLossMode(cfg) === 'l1' ? l1 : tf.sub(l1, tf.mul(2, variance));
  const mask = tf.mul(effectiveMaskLossWeight(cfg), shape) as tf.Scalar;
  const xMb = crossViewMix(a.x1, a.x2, d.permMb!, mMb);
  section('momentum');
  const [z] = embed(a.kv, a.nets.kFc2, [xMb], { inputGrad: true, split: d.split });
  section('loss');
  const { sA, sB, sNeg } = crossViewSims(z, a.k1, a.k2, d.permMb!, a.queue);
  const eta = sslEtaLoss(sA, sB, sNeg, d.lamMb, cfg.sslTemperature, cfg.eta);
  return { eta, mask, l1, variance };
}

/**
 * Closure B (varList θ_q ∪ h_q): L_moco = InfoNCE(q·k², q·Queue) on view 1 and, with a mixed batch,
 * L_bb (`mixedContrastive`), in one embedding pass. `acc`: share of rows whose positive beats every
 * queue key.
 */
export function sslOnlineObjective(
  qv: ClassifierTree,
  nets: Pick<SslNets, 'qFc2'>,
  x1: tf.Tensor4D,
  xBb: tf.Tensor4D | null,
  keys: { k1: tf.Tensor2D | null; k2: tf.Tensor2D; queue: tf.Tensor2D },
  d: SslDraws,
  T: number,
  bnQ: BnRecord[],
): { moco: tf.Scalar; acc: tf.Scalar; mixQ: tf.Scalar | null } {
  section('online');
  const [q, zBb] = embed(qv, nets.qFc2, xBb ? [x1, xBb] : [x1], { bnUpdates: bnQ, split: d.split });
  section('loss');
  const pos = rowDot(q, keys.k2);
  const neg = queueSims(q, keys.queue);
  const moco = infoNCE(pos, neg, T);
  const acc = tf.mean(tf.cast(tf.greater(pos, tf.max(neg, 1)), 'float32')) as tf.Scalar;
  const mixQ = zBb ? mixedContrastive(zBb, keys.k1!, keys.k2, d.permBb!, keys.queue, d.lamBb, T) : null;
  return { moco, acc, mixQ };
}
