/**
 * The online supervised step of AutoMix / SAMix (spec §2.1–§2.2; OpenMixup `classifiers/automix.py`
 * `AutoMixup`; Li et al., arXiv 2111.15454), in the exact order of the reference:
 *
 *  1. λ_mb, λ_bb ~ Beta(α, α) (this order), σ_mb, σ_bb = permutations, the mask_adjust coin
 *  2. Z = f_k stage l on clean x (train-mode BN, forward stops at l; no tape)
 *  3. mask_bb = Mixer(Z, λ_bb, σ_bb), computed OUTSIDE any gradient closure (and stop-gradient'ed)
 *  4. mask_adjust on mask_bb with λ_bb (bug fix, decision 4), 5. lam_margin fallback
 *  6–8. closure A, varList = φ: mask_mb = Mixer(Z, λ_mb, σ_mb); L_mask = w·MaskLoss(mask_mb, λ_mb);
 *       L_k = η-loss(g_k^mix(f_k(x_mb)), y, y[σ_mb], λ_mb) — gradient flows THROUGH k's activations
 *       into φ; k's variables are non-trainable and in no variable list
 *       closure B, varList = θ_q ∪ g_q: L_mix_q = mixup CE of g_q^mix(f_q(x_bb)); L_one_q = CE(g_q^one(f_q(x)))
 *  10. two SGD optimisers (encoder: cosine to 0; Mixer: cosine to mixerLrMin)
 *  11. EMA k ← q with momentumAt(step)
 * BN moving statistics are applied after the gradients, in forward order (k: Z then x_mb; Mixer: mb
 * then bb; q), as PyTorch would have updated them.
 */
import * as tf from '@tensorflow/tfjs';
import { effectiveAlpha, effectiveMaskLossMode, type RunConfig } from '../config';
import { crossEntropy, accuracy, etaBalancedLoss, mixupCE, type EtaLossParts } from '../losses';
import { lamMarginFallback, maskAdjust, maskLoss, maskLossParts, mixWithMask } from '../mask';
import { classify, stageFeatures, type SlModel } from '../model';
import { applyBnUpdates, discardBnUpdates, type BnUpdate } from '../nets/batchNorm';
import { emaUpdate, type EmaPair } from '../nets/ema';
import { mixerForward } from '../nets/mixer';
import type { Sgd } from '../nets/sgd';
import type { Rng } from '../random';
import type { ResidentData } from '../residentData';
import { cosineLr, momentumAt } from '../schedule';
import type { StepPart } from '../trainerTypes';
import { packMetrics, sumScalars, type PackedKey } from './metrics';

/** Everything a supervised step reads and updates. */
export interface SlContext {
  cfg: RunConfig;
  data: ResidentData;
  rng: Rng;
  model: SlModel;
  /** Optimiser of θ_q ∪ g_q. */
  optQ: Sgd;
  /** Optimiser of φ (learned methods). */
  optMixer: Sgd | null;
  /** k ← q pairs (learned methods). */
  ema: EmaPair[];
  /** 0-based index of this step (drives the schedules). */
  step: number;
}

/** A step's packed device metrics and its host-side facts. */
export interface StepOutput {
  packed: tf.Tensor1D;
  lamMb: number;
  /** NaN when the label weight lives on the device (packed `lamEff`). */
  lamBb: number;
}

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

/** y[σ], `[N]` int32. */
export function permuteLabels(y: tf.Tensor1D, perm: Int32Array): tf.Tensor1D {
  return tf.gather(y, tf.tensor1d(perm, 'int32'));
}

/** Identity forward, zero gradient (TF.js has no stop-gradient op; spec §2.2). */
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
  model: SlModel,
  z: tf.Tensor4D,
  x: tf.Tensor4D,
  d: LearnedDraws,
  cfg: RunConfig,
  bnMixer?: BnUpdate[],
): { m: tf.Tensor4D; xBb: tf.Tensor4D } {
  const [, h, w] = x.shape;
  const raw = mixerForward(model.mixer!, { z, perm: d.permBb }, d.lamBb, {
    outSize: [h, w],
    lamMulK: cfg.lamMulK,
    training: true,
    bnUpdates: bnMixer,
  }).m;
  const adjusted = d.adjust ? maskAdjust(stopGradient(raw), d.lamBb) : stopGradient(raw);
  const m = lamMarginFallback(adjusted, d.lamBb, cfg.lamMargin); // [N, H, W, 1]
  return { m, xBb: mixWithMask(x, d.permBb, m) };
}

/** The Mixer objective's terms (closure A). */
export interface MixerTerms {
  eta: EtaLossParts;
  /** w·MaskLoss(mask_mb, λ_mb). */
  mask: tf.Scalar;
  l1: tf.Scalar;
  variance: tf.Scalar;
}

/** Steps 3 (mb), 6, 7 (mb), 8 (L_k): to be called inside a closure whose varList is φ. */
export function mixerObjective(
  model: SlModel,
  z: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  yMb: tf.Tensor1D,
  d: LearnedDraws,
  cfg: RunConfig,
  bn: { k?: BnUpdate[]; mixer?: BnUpdate[] } = {},
): MixerTerms {
  const [, h, w] = x.shape;
  const mMb = mixerForward(model.mixer!, { z, perm: d.permMb }, d.lamMb, {
    outSize: [h, w],
    lamMulK: cfg.lamMulK,
    training: true,
    bnUpdates: bn.mixer,
  }).m; // [N, H, W, 1], graph to φ
  const mask = tf.mul(
    maskLoss(mMb, d.lamMb, { mode: effectiveMaskLossMode(cfg), margin: cfg.maskMargin }),
    cfg.maskLossWeight,
  ) as tf.Scalar;
  const { l1, variance } = maskLossParts(mMb, d.lamMb, cfg.maskMargin);
  const xMb = mixWithMask(x, d.permMb, mMb); // [N, H, W, C]
  const logits = classify(model.k!, xMb, 'mix', { training: true, bnUpdates: bn.k }); // [N, classes]
  // AutoMix trains its Mixer with the plain mixup CE (spec §7.9): the code-faithful mode.
  const global = cfg.method === 'automix' ? 'codeFaithful' : cfg.etaMode;
  const eta = etaBalancedLoss(logits, y, yMb, d.lamMb, { eta: cfg.eta, global });
  return { eta, mask, l1, variance };
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
  model: SlModel,
  x: tf.Tensor4D,
  xBb: tf.Tensor4D,
  y: tf.Tensor1D,
  yBb: tf.Tensor1D,
  lamBb: number,
  bnQ?: BnUpdate[],
): ClassifierTerms {
  const logitsMix = classify(model.q, xBb, 'mix', { training: true, bnUpdates: bnQ }); // [N, classes]
  const mixQ = mixupCE(logitsMix, y, yBb, lamBb);
  const oneQ = crossEntropy(classify(model.q, x, 'one', { training: true, bnUpdates: bnQ }), y);
  const acc = accuracy(logitsMix, lamBb >= 0.5 ? y : yBb);
  return { mixQ, oneQ, acc };
}

/** Keeps scalars alive past a gradient closure and remembers them for disposal. */
function keepAll(into: tf.Tensor[], ...ts: tf.Scalar[]): void {
  for (const t of ts) into.push(tf.keep(t));
}

/** One AutoMix/SAMix step (see the file comment). `part` restricts the update to φ or to θ_q (+EMA). */
export function learnedStep(c: SlContext, part: StepPart): StepOutput {
  const { cfg, model, rng } = c;
  const total = cfg.steps;
  const { x, y } = c.data.nextBatch(rng, cfg.batch, cfg.augment);
  const d = drawLearned(rng, cfg.batch, cfg);
  const bnK: BnUpdate[] = [];
  const bnMb: BnUpdate[] = [];
  const bnBb: BnUpdate[] = [];
  const bnQ: BnUpdate[] = [];
  const kept: tf.Tensor[] = [];
  try {
    const packed = tf.tidy(() => {
      const out: Partial<Record<PackedKey, tf.Scalar>> = {};
      const z = stageFeatures(model.k!, x, cfg.mixerStage, { training: true, bnUpdates: bnK }); // [N, h, w, C]
      let bb: { m: tf.Tensor4D; xBb: tf.Tensor4D } | null = null;
      if (part !== 'mixer') bb = backboneMix(model, z, x, d, cfg, bnBb);
      if (part !== 'classifier') {
        const yMb = permuteLabels(y, d.permMb);
        const { grads } = tf.variableGrads(() => {
          const t = mixerObjective(model, z, x, y, yMb, d, cfg, { k: bnK, mixer: bnMb });
          keepAll(kept, t.eta.local, t.eta.global, t.eta.total, t.mask, t.l1, t.variance);
          Object.assign(out, { local: t.eta.local, global: t.eta.global, mixer: t.eta.total, mask: t.mask });
          Object.assign(out, { maskL1: t.l1, maskVar: t.variance });
          return tf.add(t.eta.total, t.mask) as tf.Scalar;
        }, c.optMixer!.vars);
        c.optMixer!.step(grads, cosineLr(c.step, total, cfg.mixerLr, cfg.mixerLrMin));
      }
      if (bb) {
        const { m, xBb } = bb;
        const yBb = permuteLabels(y, d.permBb);
        const { grads } = tf.variableGrads(() => {
          const t = classifierObjective(model, x, xBb, y, yBb, d.lamBb, bnQ);
          keepAll(kept, t.mixQ, t.oneQ, t.acc);
          Object.assign(out, { mixQ: t.mixQ, oneQ: t.oneQ, acc: t.acc });
          return tf.add(t.mixQ, t.oneQ) as tf.Scalar;
        }, c.optQ.vars);
        c.optQ.step(grads, cosineLr(c.step, total, cfg.lr, 0));
        out.maskMean = tf.sub(1, tf.mean(m)) as tf.Scalar;
      }
      for (const list of [bnK, bnMb, bnBb, bnQ]) applyBnUpdates(list);
      if (bb) {
        emaUpdate(
          c.ema,
          momentumAt(c.step, total, { base: cfg.emaBase, end: cfg.emaEnd, warmupFrac: cfg.emaWarmupFrac }),
        );
      }
      out.total = sumScalars([out.mixer, out.mask, out.mixQ, out.oneQ]);
      return packMetrics(out);
    });
    return { packed, lamMb: d.lamMb, lamBb: d.lamBb };
  } finally {
    for (const list of [bnK, bnMb, bnBb, bnQ]) discardBnUpdates(list);
    for (const t of kept) t.dispose();
    x.dispose();
    y.dispose();
  }
}
