/**
 * The terms of a learned (SAMix / AutoMix) supervised step, docs/method.md: the random draws, the
 * backbone's mask and mixed batch (no gradient path to φ), the Mixer's masks, the Mixer objective
 * (closure A, varList φ) and the online classifier's objective (closure B, varList θ_q ∪ g_q).
 * supervised.ts runs them in order; they are re-exported from there.
 */
import * as tf from '@tensorflow/tfjs';
import {
  effectiveAlpha,
  effectiveMaskLossMode,
  effectiveMaskLossWeight,
  mixerSwitches,
  type RunConfig,
} from '../config';
import { etaLossOp, maskLossOp, mixWithMaskOp, softTargetCE, type Labels } from '../lossOps';
import type { EtaLossParts } from '../losses';
import { lamMarginFallback, maskAdjust, mixWithMask } from '../mask';
import { classify, classifyGroups, type ModelLike } from '../model';
import type { BnRecord } from '../nets/batchNorm';
import { isTaping } from '../nets/kernels';
import { mixerForward } from '../nets/mixer';
import { samixMixerPasses, type MixerPass } from '../nets/mixerOp';
import type { Rng } from '../../lib/random';
import { markBackward, section } from '../perf';

/** The random draws of a learned step (step 1). */
export interface LearnedDraws {
  lamMb: number;
  lamBb: number;
  permMb: Int32Array;
  permBb: Int32Array;
  /** mask_adjust applies to this step's backbone mask. */
  adjust: boolean;
}

/** Step 1: λ_mb, λ_bb, σ_mb, σ_bb and (only when the probability is > 0) the mask_adjust coin. */
export function drawLearned(rng: Rng, n: number, cfg: RunConfig): LearnedDraws {
  const alpha = effectiveAlpha(cfg);
  const lamMb = rng.beta(alpha, alpha);
  const lamBb = rng.beta(alpha, alpha);
  const permMb = rng.permutation(n);
  const permBb = rng.permutation(n);
  const adjust = cfg.maskAdjust > 0 && rng.uniform() < cfg.maskAdjust;
  return { lamMb, lamBb, permMb, permBb, adjust };
}

/** y[σ] on the host. */
export function permuteLabels(labels: Int32Array, perm: Int32Array): Int32Array {
  return Int32Array.from(perm, (j) => labels[j]);
}

/** Identity forward, zero gradient (TF.js has no stop-gradient op; docs/method.md). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const t = args[0] as tf.Tensor;
    return { value: tf.clone(t), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
  });
  return op(x) as T;
}

/**
 * Steps 3–5 and the bb half of step 7: the backbone's mask and mixed batch, with no gradient path
 * to φ. @returns m_bb `[N, H, W, 1]` and x_bb `[N, H, W, C]`
 */
export function backboneMix(
  model: ModelLike,
  z: tf.Tensor4D,
  x: tf.Tensor4D,
  d: LearnedDraws,
  cfg: RunConfig,
  bnMixer?: BnRecord[],
): { m: tf.Tensor4D; xBb: tf.Tensor4D } {
  const [, h, w] = x.shape;
  section('mixer');
  const [raw] = mixerMasks(model, z, [{ perm: d.permBb, lam: d.lamBb }], [h, w], cfg, bnMixer);
  const m = backboneMask(raw, d, cfg);
  return { m, xBb: mixWithMask(x, d.permBb, m) };
}

/** Steps 3–5 on the Mixer's raw backbone mask: stop-gradient, mask_adjust, lam_margin. @returns `[N, H, W, 1]` */
export function backboneMask(raw: tf.Tensor4D, d: LearnedDraws, cfg: RunConfig): tf.Tensor4D {
  // Outside a gradient tape there is no gradient to stop, and no copy to make (two kernels fewer).
  const sg = isTaping() ? stopGradient(raw) : raw;
  const adjusted = d.adjust ? maskAdjust(sg, d.lamBb) : sg;
  const fallback = d.lamBb <= cfg.lamMargin || d.lamBb >= 1 - cfg.lamMargin;
  return fallback || isTaping() ? lamMarginFallback(adjusted, d.lamBb, cfg.lamMargin) : adjusted; // [N, H, W, 1]
}

/**
 * Train-mode Mixer masks of several passes over the same features: SAMix as ONE op (nets/mixerOp.ts,
 * pass 0 differentiable, the others not), AutoMix pass by pass. BN statistics in pass order.
 */
export function mixerMasks(
  model: ModelLike,
  z: tf.Tensor4D,
  passes: MixerPass[],
  outSize: [number, number],
  cfg: RunConfig,
  bnMixer?: BnRecord[],
): tf.Tensor4D[] {
  const mixer = model.mixer!;
  // The browser switches apply to supervised SAMix only (mixerSwitches); AutoMix stays the reference.
  const o = { outSize, lamMulK: cfg.lamMulK, bnUpdates: bnMixer, ...mixerSwitches(cfg) };
  if (mixer.kind === 'samix') return samixMixerPasses(mixer, z, passes, o);
  return passes.map((ps) => mixerForward(mixer, { z, perm: ps.perm }, ps.lam, { ...o, training: true }).m);
}

/** The Mixer objective's terms (closure A). */
export interface MixerTerms {
  eta: EtaLossParts;
  /** w·MaskLoss(mask_mb, λ_mb). */
  mask: tf.Scalar;
  l1: tf.Scalar;
  variance: tf.Scalar;
  /** The backbone's raw mask (no gradient), when asked for with `withBackbone`. */
  rawBb?: tf.Tensor4D;
}

/** Steps 3 (mb), 6, 7 (mb), 8 (L_k): to be called inside a closure whose varList is φ. */
export function mixerObjective(
  model: ModelLike,
  z: tf.Tensor4D,
  x: tf.Tensor4D,
  y: Labels,
  yMb: Labels,
  d: LearnedDraws,
  cfg: RunConfig,
  bn: { k?: BnRecord[]; mixer?: BnRecord[] } = {},
  withBackbone = false,
): MixerTerms {
  const [, h, w] = x.shape;
  section('mixer');
  // With `withBackbone` the backbone's pass (σ_bb, λ_bb; no gradient) runs in the same Mixer op.
  const passes = [
    { perm: d.permMb, lam: d.lamMb },
    ...(withBackbone ? [{ perm: d.permBb, lam: d.lamBb }] : []),
  ];
  const [raw, rawBb] = mixerMasks(model, z, passes, [h, w], cfg, bn.mixer);
  const mMb = markBackward(raw, 'mixer'); // [N, H, W, 1], graph to φ
  const {
    loss: mask,
    l1,
    variance,
  } = maskLossOp(mMb, d.lamMb, {
    mode: effectiveMaskLossMode(cfg),
    margin: cfg.maskMargin,
    weight: effectiveMaskLossWeight(cfg),
    fitted: mixerSwitches(cfg).fit,
  }); // w·MaskLoss(mask_mb, λ_mb)
  const xMb = mixWithMaskOp(x, d.permMb, mMb); // [N, H, W, C]
  section('momentum');
  const logits = classify(model.k!, xMb, 'mix', { training: true, bnUpdates: bn.k }); // [N, classes]
  section('loss');
  // AutoMix trains its Mixer with the plain mixup CE (docs/method.md): the code-faithful mode.
  const global = cfg.method === 'automix' ? 'codeFaithful' : cfg.etaMode;
  const eta = etaLossOp(logits, y, yMb, d.lamMb, { eta: cfg.eta, global });
  return { eta, mask, l1, variance, rawBb };
}

/** The online classifier's terms (closure B). */
export interface ClassifierTerms {
  mixQ: tf.Scalar;
  oneQ: tf.Scalar;
  /** Accuracy of g_q^mix on x_bb against the dominant label. */
  acc: tf.Scalar;
}

/** Step 8 (L_mix_q, L_one_q): to be called inside a closure whose varList is θ_q ∪ g_q. */
export function classifierObjective(
  model: ModelLike,
  x: tf.Tensor4D,
  xBb: tf.Tensor4D,
  y: Labels,
  yBb: Labels,
  lamBb: number,
  bnQ?: BnRecord[],
): ClassifierTerms {
  // One forward over both batches, each with its own BN statistics (x_bb first, as in the reference);
  // x and x_bb are data for θ_q (x_bb's mask is stop-gradient'ed): no input gradient.
  section('online');
  const logits = classifyGroups(model.q, [xBb, x], ['mix', 'one'], { bnUpdates: bnQ, inputGrad: false }); // [2, N, classes]
  section('loss');
  // L_mix_q = mixup CE on x_bb (head mix), L_one_q = CE on x (head one), in one loss op.
  const ce = softTargetCE(logits, [
    { yA: y, yB: yBb, lam: lamBb },
    { yA: y, yB: y, lam: 1 },
  ]);
  const [mixQ, oneQ] = tf.unstack(ce.loss) as tf.Scalar[];
  const acc = tf.unstack(ce.acc)[0] as tf.Scalar;
  return { mixQ, oneQ, acc };
}
