/**
 * The supervised steps written plainly, in the paper's order (docs/method.md), from the reference ops
 * only: the layer-by-layer ResNet (`resnetForward` + `linearHead`), the layer-by-layer Mixer
 * (`mixerForward`), the η-balanced loss (`etaBalancedLoss`), the mask loss (`maskLoss`), the mixup
 * cross-entropy; automatic differentiation over per-layer variables; each optimiser's update written
 * as its formula, variable by variable. No flat storage, no fused or hand-differentiated op, no
 * profiling marks.
 *
 * It is slow and is not used for training: it is what the fused steps (supervised.ts,
 * handcrafted.ts) are held to, from the same state and the same draws
 * (src/core/scenarios/reference.test.ts, docs/testing.md).
 */
import * as tf from '@tensorflow/tfjs';
import {
  effectiveAlpha,
  effectiveMaskLossMode,
  effectiveMaskLossWeight,
  effectiveMixerLr,
  mixerSwitches,
  parseConfig,
  type RunConfig,
} from '../config';
import { accuracy, crossEntropy, etaBalancedLoss, mixupCE } from '../losses';
import { lamMarginFallback, maskAdjust, maskLoss, maskLossParts, mixWithMask } from '../mask';
import { METHODS } from '../methods/registry';
import { disposeModel, type ClassifierNet, type SlModel } from '../model';
import { applyBnUpdates, discardBnUpdates, type BnRecord } from '../nets/batchNorm';
import { emaPairs } from '../nets/ema';
import { linearHead, type HeadsParams } from '../nets/heads';
import { mixerForward } from '../nets/mixer';
import { resnetForward } from '../nets/resnet';
import type { Rng } from '../../lib/random';
import type { ResidentData } from '../residentData';
import { cosineLr, momentumAt } from '../schedule';
import { buildSlRun } from '../trainerSetup';
import { referenceOptimizers, type ReferenceOptimizer } from './referenceOptimizer';
import type { ImageDataset } from '../../data/types';
import type { PackedKey } from './metrics';
import { drawLearned, permuteLabels } from './learnedTerms';

/** A term the reference can leave out, to show that a comparison with it notices (tests). */
export type ReferenceOmission = 'global' | 'maskLoss' | 'oneQ';

/** What a reference step reads and updates: per-layer variables and plain optimiser state. */
export interface ReferenceRun {
  cfg: RunConfig;
  model: SlModel;
  data: ResidentData;
  rng: Rng;
  dataRng: Rng;
  /** θ_q ∪ the trained heads, momentum SGD. */
  optQ: ReferenceOptimizer;
  /** φ, Adam or momentum SGD as configured (learned methods). */
  optMixer: ReferenceOptimizer | null;
  /** 0-based index of the next step. */
  step: number;
  omit?: ReferenceOmission;
}

/** A step's metrics by packed key (the ones the step computes). */
export type ReferenceMetrics = Partial<Record<PackedKey, number>>;

/**
 * A reference run in the state a new `Trainer(cfg, data)` starts from: the same initial weights,
 * generator streams and data order (trainerSetup.ts builds both). `dispose` frees it.
 */
export function referenceRun(config: RunConfig, data: ImageDataset): ReferenceRun & { dispose(): void } {
  const cfg = parseConfig({ ...config });
  const run = buildSlRun(cfg, data, {});
  // Only the per-layer variables are used: the flat storage and its optimisers go.
  for (const n of [run.nets.q, run.nets.k, run.nets.mixer]) n?.dispose();
  run.optQ.dispose();
  run.optMixer?.dispose();
  const opts = referenceOptimizers(cfg, run.mirrors);
  return {
    cfg,
    model: run.mirrors,
    data: run.data,
    rng: run.rng,
    dataRng: run.dataRng,
    ...opts,
    step: 0,
    dispose() {
      opts.optQ.dispose();
      opts.optMixer?.dispose();
      disposeModel(run.mirrors);
      run.data.dispose();
    },
  };
}

/** Logits of one head of a classifier, train-mode BN (statistics recorded in `bn`). */
function logitsOf(net: ClassifierNet, x: tf.Tensor4D, head: keyof HeadsParams, bn: BnRecord[]): tf.Tensor2D {
  const { pooled } = resnetForward(net.encoder, x, { training: true, bnUpdates: bn });
  return linearHead(net.heads[head], pooled!); // [N, classes]
}

/** Reads scalars back and disposes them. */
function readScalars(out: Partial<Record<PackedKey, tf.Scalar>>): ReferenceMetrics {
  const m: ReferenceMetrics = {};
  for (const [k, t] of Object.entries(out) as Array<[PackedKey, tf.Scalar]>) {
    m[k] = t.dataSync()[0];
    t.dispose();
  }
  return m;
}

/** Writes the BN records of the forwards in their order, then forgets them. */
function commitBn(lists: BnRecord[][]): void {
  const all = lists.flat();
  applyBnUpdates(all);
  discardBnUpdates(all);
}

/**
 * One AutoMix / SAMix step (part `both`), in the order of docs/method.md:
 * draws; Z from k; the backbone mask from φ before its update; the Mixer's objective (φ);
 * the classifier's objective (θ_q); both updates; BN moving statistics; k ← EMA of the new θ_q.
 */
export function referenceLearnedStep(r: ReferenceRun): ReferenceMetrics {
  const { cfg, model } = r;
  const { x, y, labels } = r.data.nextBatch(r.dataRng, cfg.batch, cfg.augment);
  const d = drawLearned(r.rng, cfg.batch, cfg);
  const [, h, w] = x.shape;
  const k = model.k!;
  const mixer = model.mixer!;
  const bnK: BnRecord[] = [];
  const bnMb: BnRecord[] = [];
  const bnBb: BnRecord[] = [];
  const bnQ: BnRecord[] = [];
  const out: Partial<Record<PackedKey, tf.Scalar>> = {};
  const mixerOpts = {
    outSize: [h, w] as [number, number],
    lamMulK: cfg.lamMulK,
    training: true,
    ...mixerSwitches(cfg),
  };
  const yMb = tf.tensor1d(permuteLabels(labels, d.permMb), 'int32');
  const yBb = tf.tensor1d(permuteLabels(labels, d.permBb), 'int32');
  try {
    // Z = f_k stage l on the clean batch (train-mode BN; a constant for both objectives).
    const z = tf.tidy(
      () =>
        resnetForward(k.encoder, x, { training: true, stopAtStage: cfg.mixerStage, bnUpdates: bnK }).stages[
          cfg.mixerStage - 1
        ],
    );
    // The backbone's mask, from φ before its update (outside every tape: no gradient to φ).
    const m = tf.tidy(() => {
      const raw = mixerForward(mixer, { z, perm: d.permBb }, d.lamBb, { ...mixerOpts, bnUpdates: bnBb }).m;
      const adjusted = d.adjust ? maskAdjust(raw, d.lamBb) : raw;
      return lamMarginFallback(adjusted, d.lamBb, cfg.lamMargin); // [N, H, W, 1] weight of x[σ_bb]
    });
    // The Mixer's objective: η-balanced loss of k on x_mb (through k's activations) + w·mask loss.
    const mixerGrads = tf.variableGrads(() => {
      const mMb = mixerForward(mixer, { z, perm: d.permMb }, d.lamMb, { ...mixerOpts, bnUpdates: bnMb }).m;
      const logits = logitsOf(k, mixWithMask(x, d.permMb, mMb), 'mix', bnK);
      const global = cfg.method === 'automix' ? 'codeFaithful' : cfg.etaMode;
      const eta = etaBalancedLoss(logits, y, yMb, d.lamMb, {
        eta: r.omit === 'global' ? 0 : cfg.eta,
        global,
      });
      const mode = effectiveMaskLossMode(cfg);
      const parts = maskLossParts(mMb, d.lamMb, cfg.maskMargin);
      const weight = r.omit === 'maskLoss' ? 0 : effectiveMaskLossWeight(cfg);
      const mask = tf.mul(maskLoss(mMb, d.lamMb, { mode, margin: cfg.maskMargin }), weight) as tf.Scalar;
      Object.assign(out, {
        local: tf.keep(eta.local),
        global: tf.keep(eta.global),
        mixer: tf.keep(eta.total),
      });
      Object.assign(out, {
        mask: tf.keep(mask),
        maskL1: tf.keep(parts.l1),
        maskVar: tf.keep(parts.variance),
      });
      return tf.add(eta.total, mask) as tf.Scalar;
    }, r.optMixer!.vars);
    // The classifier's objective: mixup CE of g_q^mix on x_bb + CE of g_q^one on x.
    const xBb = mixWithMask(x, d.permBb, m);
    const qGrads = tf.variableGrads(() => {
      const mixLogits = logitsOf(model.q, xBb, 'mix', bnQ);
      const oneLogits = logitsOf(model.q, x, 'one', bnQ);
      const mixQ = mixupCE(mixLogits, y, yBb, d.lamBb);
      const oneQ = r.omit === 'oneQ' ? tf.scalar(0) : crossEntropy(oneLogits, y);
      const dominant = d.lamBb >= 0.5 ? y : yBb;
      Object.assign(out, {
        mixQ: tf.keep(mixQ),
        oneQ: tf.keep(oneQ),
        acc: tf.keep(accuracy(mixLogits, dominant)),
      });
      return tf.add(mixQ, oneQ) as tf.Scalar;
    }, r.optQ.vars);
    r.optMixer!.update(mixerGrads.grads, cosineLr(r.step, cfg.steps, effectiveMixerLr(cfg), cfg.mixerLrMin));
    r.optQ.update(qGrads.grads, cosineLr(r.step, cfg.steps, cfg.lr, 0));
    commitBn([bnK, bnMb, bnBb, bnQ]); // forward order: k (Z, x_mb), Mixer (mb, bb), q (x_bb, x)
    const em = momentumAt(r.step, cfg.steps, {
      base: cfg.emaBase,
      end: cfg.emaEnd,
      warmupFrac: cfg.emaWarmupFrac,
    });
    for (const p of emaPairs(k, model.q)) {
      const next = tf.tidy(() => tf.add(tf.mul(p.target, em), tf.mul(p.online, 1 - em)));
      p.target.assign(next);
      next.dispose();
    }
    out.maskMean = tf.tidy(() => tf.sub(1, tf.mean(m)) as tf.Scalar);
    out.total = tf.tidy(() => tf.addN([out.mixer!, out.mask!, out.mixQ!, out.oneQ!]) as tf.Scalar);
    for (const t of [z, m, xBb, mixerGrads.value, qGrads.value]) t.dispose();
    for (const g of [mixerGrads.grads, qGrads.grads]) tf.dispose(Object.values(g));
    r.step += 1;
    return readScalars(out);
  } finally {
    discardBnUpdates([bnK, bnMb, bnBb, bnQ].flat());
    tf.dispose([x, y, yMb, yBb]);
  }
}

/**
 * One step of a hand-crafted pixel method (Mixup, CutMix, FMix, …): draws λ and σ, the method's
 * mask, x̃ = (1 − m)·x + m·x[σ], the mixup CE of g_q^mix (+ the clean CE of g_q^one with `cleanCE`),
 * one SGD update and the BN moving statistics.
 */
export function referencePixelStep(r: ReferenceRun): ReferenceMetrics {
  const { cfg, model } = r;
  const method = METHODS[cfg.method];
  if (method.kind !== 'pixel' || !method.makeMask) throw new Error(`${cfg.method} is not a pixel method`);
  const { x, y, labels } = r.data.nextBatch(r.dataRng, cfg.batch, cfg.augment);
  const alpha = effectiveAlpha(cfg);
  const lam = r.rng.beta(alpha, alpha);
  const perm = r.rng.permutation(cfg.batch);
  const yB = tf.tensor1d(permuteLabels(labels, perm), 'int32');
  const bnQ: BnRecord[] = [];
  const out: Partial<Record<PackedKey, tf.Scalar>> = {};
  try {
    const res = method.makeMask({ x, perm, lam, rng: r.rng });
    if (typeof res.lam !== 'number') throw new Error(`${cfg.method}: the reference needs a numeric λ`);
    const lamB = res.lam;
    const mixed = mixWithMask(x, perm, res.m);
    const grads = tf.variableGrads(() => {
      const mixLogits = logitsOf(model.q, mixed, 'mix', bnQ);
      const mixQ = mixupCE(mixLogits, y, yB, lamB);
      const dominant = lamB >= 0.5 ? y : yB;
      Object.assign(out, { mixQ: tf.keep(mixQ), acc: tf.keep(accuracy(mixLogits, dominant)) });
      if (!cfg.cleanCE || r.omit === 'oneQ') return mixQ;
      const oneQ = crossEntropy(logitsOf(model.q, x, 'one', bnQ), y);
      out.oneQ = tf.keep(oneQ);
      return tf.add(mixQ, oneQ) as tf.Scalar;
    }, r.optQ.vars);
    r.optQ.update(grads.grads, cosineLr(r.step, cfg.steps, cfg.lr, 0));
    commitBn([bnQ]);
    out.maskMean = tf.tidy(() => tf.sub(1, tf.mean(res.m)) as tf.Scalar);
    out.total = tf.tidy(() => tf.addN([out.mixQ!, ...(out.oneQ ? [out.oneQ] : [])]) as tf.Scalar);
    tf.dispose([res.m, mixed, ...Object.values(grads.grads)]);
    if (grads.value !== out.mixQ) grads.value.dispose(); // (without the clean CE it is mixQ)
    r.step += 1;
    return readScalars(out);
  } finally {
    discardBnUpdates(bnQ);
    tf.dispose([x, y, yB]);
  }
}
