/**
 * The online supervised step of AutoMix / SAMix (docs/method.md; OpenMixup `classifiers/automix.py`
 * `AutoMixup`; Li et al., arXiv 2111.15454), in the exact order of the reference:
 *
 *  1. λ_mb, λ_bb ~ Beta(α, α) (this order), σ_mb, σ_bb = permutations, the mask_adjust coin
 *  2. Z = f_k stage l on clean x (train-mode BN, forward stops at l; no tape)
 *  3. mask_bb = Mixer(Z, λ_bb, σ_bb) with no gradient path to φ (stop-gradient'ed), from φ before its
 *     update; SAMix computes it in the same Mixer op as mask_mb (nets/mixerOp.ts: one batch of 2N,
 *     value-net BN statistics per pass, only the mb pass differentiable)
 *  4. mask_adjust on mask_bb with λ_bb (docs/method.md: departures), 5. lam_margin fallback
 *  6–8. closure A, varList = φ: mask_mb = Mixer(Z, λ_mb, σ_mb); L_mask = w·MaskLoss(mask_mb, λ_mb);
 *       L_k = η-loss(g_k^mix(f_k(x_mb)), y, y[σ_mb], λ_mb) — gradient flows THROUGH k's activations
 *       into φ; k's variables are non-trainable and in no variable list
 *       closure B, varList = θ_q ∪ g_q: L_mix_q = mixup CE of g_q^mix(f_q(x_bb)); L_one_q = CE(g_q^one(f_q(x)))
 *  10. the encoder's SGD (cosine to 0) and the Mixer's optimiser (Adam by default, `mixerOptimizer`;
 *      cosine to mixerLrMin)
 *  11. EMA k ← q with momentumAt(step)
 * BN moving statistics are applied after the gradients, in forward order (k: Z then x_mb; Mixer: mb
 * then bb; q: x_bb then x), as PyTorch would have updated them.
 *
 * Cost : the networks run on views of their flat storage (nets/flat.ts) created outside the
 * closures; the classifiers and the Mixer are hand-differentiated ops (nets/fused.ts, mixerOp.ts), the
 * losses too (lossOps.ts); f_q sees x_bb and x in ONE forward with per-batch BN statistics.
 * The terms of steps 1–8 are in learnedTerms.ts (re-exported here); SAMix's browser switches
 * (`mixerLocal`, `maskFit`, docs/decisions.md) act inside its Mixer passes, on both masks.
 */
import * as tf from '@tensorflow/tfjs';
import { effectiveMixerLr, type RunConfig } from '../config';
import { mixWithMaskOp } from '../lossOps';
import { stageFeatures, type ModelLike, type TrainNets } from '../model';
import { applyBnUpdates, discardBnUpdates, type BnRecord } from '../nets/batchNorm';
import { emaUpdate, type EmaPair } from '../nets/ema';
import type { Sgd } from '../nets/sgd';
import type { FlatOptimizer } from '../nets/mixerOptimizer';
import type { Rng } from '../../lib/random';
import type { ResidentData } from '../residentData';
import { section } from '../perf';
import { cosineLr, momentumAt } from '../schedule';
import type { StepPart } from '../trainerTypes';
import type { MaskSource } from '../methods/types';
import { packMetrics, sumScalars, type PackedKey } from './metrics';
import { captureSample, disposeSample, type StepSample } from './batchSample';
import {
  backboneMask,
  classifierObjective,
  drawLearned,
  mixerMasks,
  mixerObjective,
  permuteLabels,
} from './learnedTerms';
import { keepAll } from './keepAll';

export * from './learnedTerms';

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

/** One AutoMix/SAMix step (see the file comment). `part` restricts the update to φ or to θ_q (+EMA). */
export function learnedStep(c: SlContext, part: StepPart): StepOutput {
  const { cfg, rng, nets } = c;
  const total = cfg.steps;
  section('data');
  const { x, y, labels } = c.data.nextBatch(c.dataRng, cfg.batch, cfg.augment);
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
        const yMb = permuteLabels(labels, d.permMb);
        const { grads } = tf.variableGrads(() => {
          section('mixer');
          const model = { ...views, mixer: mixerViews() };
          // Both Mixer passes (mb with gradient, bb without) in one op, before φ is updated.
          const t = mixerObjective(model, z, x, labels, yMb, d, cfg, { k: bnK, mixer: bnMb }, withBb);
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
        const labelsBb = permuteLabels(labels, d.permBb);
        sample = captureSample(xBb, labels, labelsBb, d.lamBb);
        const { grads } = tf.variableGrads(() => {
          const t = classifierObjective(views, x, xBb, labels, labelsBb, d.lamBb, bnQ);
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
