/**
 * The online supervised step of AutoMix / SAMix (spec §2.1–§2.2; OpenMixup `classifiers/automix.py`
 * `AutoMixup`; Li et al., arXiv 2111.15454), in the exact order of the reference:
 *
 *  1. λ_mb, λ_bb ~ Beta(α, α) (this order), σ_mb, σ_bb = permutations, the mask_adjust coin
 *  2. Z = f_k stage l on clean x (train-mode BN, forward stops at l; no tape)
 *  3. mask_bb = Mixer(Z, λ_bb, σ_bb) with no gradient path to φ (stop-gradient'ed), from φ before its
 *     update; SAMix computes it in the same Mixer op as mask_mb (nets/mixerOp.ts: one batch of 2N,
 *     value-net BN statistics per pass, only the mb pass differentiable)
 *  4. mask_adjust on mask_bb with λ_bb (bug fix, decision 4), 5. lam_margin fallback
 *  6–8. closure A, varList = φ: mask_mb = Mixer(Z, λ_mb, σ_mb); L_mask = w·MaskLoss(mask_mb, λ_mb);
 *       L_k = η-loss(g_k^mix(f_k(x_mb)), y, y[σ_mb], λ_mb) — gradient flows THROUGH k's activations
 *       into φ; k's variables are non-trainable and in no variable list
 *       closure B, varList = θ_q ∪ g_q: L_mix_q = mixup CE of g_q^mix(f_q(x_bb)); L_one_q = CE(g_q^one(f_q(x)))
 *  10. two SGD optimisers (encoder: cosine to 0; Mixer: cosine to mixerLrMin)
 *  11. EMA k ← q with momentumAt(step)
 * BN moving statistics are applied after the gradients, in forward order (k: Z then x_mb; Mixer: mb
 * then bb; q: x_bb then x), as PyTorch would have updated them.
 *
 * Cost (issue 9): the networks run on views of their flat storage (nets/flat.ts) created outside the
 * closures; the classifiers and the Mixer are hand-differentiated ops (nets/fused.ts, mixerOp.ts), the
 * losses too (lossOps.ts); f_q sees x_bb and x in ONE forward with per-batch BN statistics.
 */
import * as tf from '@tensorflow/tfjs';
import {
  effectiveAlpha,
  effectiveMaskLossMode,
  effectiveMaskLossWeight,
  effectiveMixerLr,
  type RunConfig,
} from '../config';
import { etaLossOp, maskLossOp, mixWithMaskOp, softTargetCE } from '../lossOps';
import type { EtaLossParts } from '../losses';
import { lamMarginFallback, maskAdjust, mixWithMask } from '../mask';
import { classify, classifyGroups, stageFeatures, type ModelLike, type TrainNets } from '../model';
import { applyBnUpdates, discardBnUpdates, type BnRecord } from '../nets/batchNorm';
import { isTaping } from '../nets/kernels';
import { emaUpdate, type EmaPair } from '../nets/ema';
import { mixerForward } from '../nets/mixer';
import { samixMixerPasses, type MixerPass } from '../nets/mixerOp';
import type { Sgd } from '../nets/sgd';
import type { FlatOptimizer } from '../nets/mixerOptimizer';
import type { Rng } from '../random';
import type { ResidentData } from '../residentData';
import { markBackward, section } from '../perf';
import { cosineLr, momentumAt } from '../schedule';
import type { StepPart } from '../trainerTypes';
import type { MaskSource } from '../methods/types';
import { packMetrics, sumScalars, type PackedKey } from './metrics';
import { captureSample, disposeSample, type StepSample } from './batchSample';

/** Everything a supervised step reads and updates. */
export interface SlContext {
  cfg: RunConfig;
  data: ResidentData;
  /** Mixing draws (λ, permutations, boxes, spectra). */
  rng: Rng;
  /** Data order and augmentation parameters. */
  dataRng: Rng;
  /** The networks' flat storage; a step runs on its views. */
  nets: TrainNets;
  /** Optimiser of θ_q ∪ g_q. */
  optQ: Sgd;
  /** Optimiser of φ (learned methods). */
  optMixer: FlatOptimizer | null;
  /** k ← q pairs (learned methods). */
  ema: EmaPair[];
  /** 0-based index of this step (drives the schedules). */
  step: number;
  /** SAMix^P: the frozen pre-trained encoder + Mixer (methods/types.ts `MaskSource`). */
  pretrained?: MaskSource;
}

/** A step's packed device metrics and its host-side facts. */
export interface StepOutput {
  packed: tf.Tensor1D;
  lamMb: number;
  /** NaN when the label weight lives on the device (packed `lamEff`). */
  lamBb: number;
  /** The first rows of the batch the classifier trained on (kept; the trainer owns them). */
  sample?: StepSample;
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
  // The browser options are SAMix's; AutoMix stays the reference AutoMix.
  const browser = mixer.kind === 'samix' ? { local: cfg.mixerLocal, fit: cfg.maskFit } : {};
  const o = { outSize, lamMulK: cfg.lamMulK, bnUpdates: bnMixer, ...browser };
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
  y: tf.Tensor1D,
  yMb: tf.Tensor1D,
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
  }); // w·MaskLoss(mask_mb, λ_mb)
  const xMb = mixWithMaskOp(x, d.permMb, mMb); // [N, H, W, C]
  section('momentum');
  const logits = classify(model.k!, xMb, 'mix', { training: true, bnUpdates: bn.k }); // [N, classes]
  section('loss');
  // AutoMix trains its Mixer with the plain mixup CE (spec §7.9): the code-faithful mode.
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
  y: tf.Tensor1D,
  yBb: tf.Tensor1D,
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

/** Keeps tensors alive past a gradient closure and remembers them for disposal. @returns the first */
function keepAll<T extends tf.Tensor>(into: tf.Tensor[], ...ts: T[]): T {
  for (const t of ts) into.push(tf.keep(t));
  return ts[0];
}

/** One AutoMix/SAMix step (see the file comment). `part` restricts the update to φ or to θ_q (+EMA). */
export function learnedStep(c: SlContext, part: StepPart): StepOutput {
  const { cfg, rng, nets } = c;
  const total = cfg.steps;
  section('data');
  const { x, y } = c.data.nextBatch(c.dataRng, cfg.batch, cfg.augment);
  const d = drawLearned(rng, cfg.batch, cfg);
  const bnK: BnRecord[] = [];
  const bnMb: BnRecord[] = [];
  const bnBb: BnRecord[] = [];
  const bnQ: BnRecord[] = [];
  const kept: tf.Tensor[] = [];
  let sample: StepSample | undefined;
  try {
    const packed = tf.tidy(() => {
      const out: Partial<Record<PackedKey, tf.Scalar>> = {};
      // Views of the flat storage, outside every gradient closure (the hand-differentiated ops return
      // the flat gradient, nets/fused.ts); AutoMix's Mixer is differentiated automatically, through
      // views taken inside its closure.
      const samixOp = nets.mixer!.tree.kind === 'samix';
      const views: ModelLike = {
        // (matrices left flat: the fused ops reshape what they read, nets/flat.ts)
        q: nets.q.views({ flatMatrices: true }),
        k: nets.k!.views({ flatMatrices: true }),
        mixer: samixOp ? nets.mixer!.views({ flatMatrices: true }) : null,
      };
      const mixerViews = () => views.mixer ?? nets.mixer!.views();
      section('momentum');
      const z = stageFeatures(views.k!, x, cfg.mixerStage, { training: true, bnUpdates: bnK }); // [N, h, w, C]
      const withBb = part !== 'mixer';
      const emaM = momentumAt(c.step, total, {
        base: cfg.emaBase,
        end: cfg.emaEnd,
        warmupFrac: cfg.emaWarmupFrac,
      });
      let emaFused = false;
      let rawBb: tf.Tensor4D | null = null;
      if (part !== 'classifier') {
        const yMb = permuteLabels(y, d.permMb);
        const { grads } = tf.variableGrads(() => {
          section('mixer');
          const model = { ...views, mixer: mixerViews() };
          // Both Mixer passes (mb with gradient, bb without) in one op, before φ is updated.
          const t = mixerObjective(model, z, x, y, yMb, d, cfg, { k: bnK, mixer: bnMb }, withBb);
          if (t.rawBb) rawBb = keepAll(kept, t.rawBb);
          keepAll(kept, t.eta.local, t.eta.global, t.eta.total, t.mask, t.l1, t.variance);
          Object.assign(out, { local: t.eta.local, global: t.eta.global, mixer: t.eta.total, mask: t.mask });
          Object.assign(out, { maskL1: t.l1, maskVar: t.variance });
          return tf.add(t.eta.total, t.mask) as tf.Scalar;
        }, c.optMixer!.vars);
        section('optimizer');
        c.optMixer!.step(grads, cosineLr(c.step, total, effectiveMixerLr(cfg), cfg.mixerLrMin));
      } else if (withBb) {
        section('mixer');
        const model = { ...views, mixer: mixerViews() };
        [rawBb] = mixerMasks(
          model,
          z,
          [{ perm: d.permBb, lam: d.lamBb }],
          [x.shape[1], x.shape[2]],
          cfg,
          bnBb,
        );
      }
      if (rawBb) {
        section('mixer');
        const m = backboneMask(rawBb, d, cfg);
        const xBb = mixWithMaskOp(x, d.permBb, m); // (no tape here: x + m·(x[σ] − x), one kernel fewer)
        const yBb = permuteLabels(y, d.permBb);
        sample = captureSample(xBb, y, yBb, d.lamBb);
        const { grads } = tf.variableGrads(() => {
          const t = classifierObjective(views, x, xBb, y, yBb, d.lamBb, bnQ);
          keepAll(kept, t.mixQ, t.oneQ, t.acc);
          Object.assign(out, { mixQ: t.mixQ, oneQ: t.oneQ, acc: t.acc });
          return tf.add(t.mixQ, t.oneQ) as tf.Scalar;
        }, c.optQ.vars);
        section('optimizer');
        // k ← EMA of the new θ_q (step 11), in the optimiser's own kernels when k and q are one flat pair.
        const p = c.ema.length === 1 && c.ema[0].online === c.optQ.vars[0] ? c.ema[0] : null;
        c.optQ.step(grads, cosineLr(c.step, total, cfg.lr, 0), p ? { target: p.target, m: emaM } : undefined);
        emaFused = p !== null;
        out.maskMean = tf.sub(1, tf.mean(m)) as tf.Scalar;
      }
      section('optimizer');
      applyBnUpdates([...bnK, ...bnMb, ...bnBb, ...bnQ]);
      if (withBb && !emaFused) emaUpdate(c.ema, emaM);
      section('loss');
      out.total = sumScalars([out.mixer, out.mask, out.mixQ, out.oneQ]);
      return packMetrics(out);
    });
    return { packed, lamMb: d.lamMb, lamBb: d.lamBb, sample };
  } catch (e) {
    disposeSample(sample ?? null);
    throw e;
  } finally {
    for (const list of [bnK, bnMb, bnBb, bnQ]) discardBnUpdates(list);
    for (const t of kept) t.dispose();
    x.dispose();
    y.dispose();
  }
}
