/**
 * One self-supervised step (docs/ssl.md; OpenMixup `selfsup/moco_samix.py` `MoCoSAMix`, MoCo v2):
 *
 *  1. two views x¹, x² of the batch (sslViews.ts); λ_mb, λ_bb ~ Beta(α, α), σ_mb, σ_bb, the key
 *     shuffles — all from the run generator, in this order
 *  2. keys (no gradient, momentum network, shuffled BN): k² = h_k(f_k(x²)); mixing methods also k¹
 *  3. SAMix: F¹, F² = f_k stage l of both views; mask_bb = Mixer(F¹, F²[σ_bb], λ_bb) with no gradient
 *     path, `mask_adjust = auto` (rescaled when its mean is more than `maskMargin` from λ_bb);
 *     closure A (varList φ): mask_mb = Mixer(F¹, F²[σ_mb], λ_mb); x_mb = mix of x¹ and x²[σ_mb];
 *     z = h_k(f_k(x_mb)) through the FROZEN momentum network (gradient flows into the mask only);
 *     s_a = z·k²_n, s_b = z·k¹_σ(n), s_neg = z·Queue; L_mb = local + η·global (`sslEtaLoss`) +
 *     w·(L1 − 2·Var)(mask_mb, λ_mb). The Mixer never reads a label.
 *     Mixup / CutMix: mask_bb from the method (CutMix recomputes λ from its box)
 *  4. closure B (varList θ_q ∪ h_q): q = h_q(f_q(x¹)), z_bb = h_q(f_q(x_bb)) in one fused op;
 *     L_moco = InfoNCE(q·k², q·Queue); L_bb = λ·InfoNCE(z_bb·k²_n) + (1 − λ)·InfoNCE(z_bb·k¹_σ(n))
 *  5. BN statistics, EMA k ← q, enqueue k² (after the step; FIFO)
 *
 * x_bb = (1 − m)⊙x¹ + m⊙x²[σ] — view 1 of n with view 2 of σ(n) — so its positives are the OTHER
 * view of each source: k²_n (weight λ) and k¹_σ(n) (weight 1 − λ) (docs/ssl.md).
 */
import * as tf from '@tensorflow/tfjs';
import { permuteLabels } from './learnedTerms';
import {
  effectiveAlpha,
  effectiveMaskLossMode,
  effectiveMaskLossWeight,
  effectiveMixerLr,
  type RunConfig,
} from '../config';
import { infoNCE, sslEtaLoss } from '../losses';
import { maskAdjustIfFar, maskLossParts } from '../mask';
import { METHODS } from '../methods/registry';
import { applyBnUpdates, discardBnUpdates, type BnRecord } from '../nets/batchNorm';
import { emaUpdate } from '../nets/ema';
import { mixerForward } from '../nets/mixer';
import type { FlatOptimizer } from '../nets/mixerOptimizer';
import type { Sgd } from '../nets/sgd';
import { section } from '../perf';
import type { Rng } from '../../lib/random';
import type { ResidentData } from '../residentData';
import { cosineLr, momentumAt } from '../schedule';
import { drawViews, sslView, type ViewOptions } from '../sslViews';
import type { StepPart } from '../trainerTypes';
import { embed, sslStageFeatures, type SslNets } from '../ssl/model';
import type { KeyQueue } from '../ssl/queue';
import { captureSample, type StepSample } from './batchSample';
import { packMetrics, sumScalars, type PackedKey } from './metrics';
import { keepAll } from './keepAll';

/** Everything an SSL step reads and updates. */
export interface SslContext {
  cfg: RunConfig;
  data: ResidentData;
  rng: Rng;
  nets: SslNets;
  queue: KeyQueue;
  optQ: Sgd;
  /** The Mixer's optimiser (Adam or SGD, `mixerOptimizer`). */
  optMixer: FlatOptimizer | null;
  views: ViewOptions;
  /** 0-based index of this step (drives the schedules). */
  step: number;
}

export interface SslStepOutput {
  packed: tf.Tensor1D;
  lamMb: number;
  lamBb: number;
  /**
   * The first rows of the batch the backbone trained on (x_bb, or view 1 for plain MoCo), with the
   * labels of both sources for the "Current batch" gallery only (training never reads them); null
   * when the step did not update θ_q.
   */
  sample: StepSample | null;
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

/** One SSL step of `cfg.method` (see the file comment). `part` restricts the update to φ or to θ_q. */
export function sslStep(c: SslContext, part: StepPart): SslStepOutput {
  const { cfg, rng, nets } = c;
  const ds = c.data.dataset;
  const n = cfg.batch;
  const T = cfg.sslTemperature;
  const mixing = cfg.method !== 'erm';
  const samix = cfg.method === 'samix' && nets.mixer !== null;
  section('data');
  const idx = c.data.nextIndices(rng, n); // labels are never gathered
  const p1 = drawViews(rng, n, ds.height, ds.width, c.views);
  const p2 = drawViews(rng, n, ds.height, ds.width, c.views);
  const alpha = effectiveAlpha(cfg);
  const lamMb = samix ? rng.beta(alpha, alpha) : NaN;
  let lamBb = mixing ? rng.beta(alpha, alpha) : 1;
  const permMb = samix ? rng.permutation(n) : null;
  const permBb = mixing ? rng.permutation(n) : null;
  const split = bnSplit(n);
  const shuffle1 = mixing && split > 1 ? rng.permutation(n) : undefined;
  const shuffle2 = split > 1 ? rng.permutation(n) : undefined;
  const bnK: BnRecord[] = [];
  const bnMixer: BnRecord[] = [];
  const bnQ: BnRecord[] = [];
  const kept: tf.Tensor[] = [];
  const updateQ = part !== 'mixer';
  const updateMixer = samix && part !== 'classifier';
  let sample: StepSample | null = null;
  try {
    const packed = tf.tidy(() => {
      const out: Partial<Record<PackedKey, tf.Scalar>> = {};
      const x = tf.gather(c.data.trainX, tf.tensor1d(idx, 'int32')) as tf.Tensor4D;
      const x1 = sslView(x, p1, ds);
      const x2 = sslView(x, p2, ds);
      const qv = nets.q.views();
      const kv = nets.k.views();
      const queue = c.queue.keys;
      section('momentum');
      const [k2] = embed(kv, nets.kFc2, [x2], { bnUpdates: bnK, split, shuffle: shuffle2 });
      const k1 = mixing ? embed(kv, nets.kFc2, [x1], { bnUpdates: bnK, split, shuffle: shuffle1 })[0] : null;
      let mBb: tf.Tensor4D | null = null;
      if (samix) {
        const mixer = nets.mixer!;
        const f1 = sslStageFeatures(kv, x1, cfg.mixerStage); // [N, h, w, C]
        const f2 = sslStageFeatures(kv, x2, cfg.mixerStage);
        const [, h, w] = x1.shape;
        const mo = { outSize: [h, w] as [number, number], lamMulK: cfg.lamMulK, training: true };
        section('mixer');
        // The backbone's mask: φ before its update, outside every closure (no gradient path).
        const zbBb = tf.gather(f2, tf.tensor1d(permBb!, 'int32')) as tf.Tensor4D;
        const raw = mixerForward(mixer, { za: f1, zb: zbBb }, lamBb, { ...mo, bnUpdates: bnMixer }).m;
        mBb = maskAdjustIfFar(raw, lamBb, cfg.maskMargin); // mask_adjust = auto
        if (updateMixer) {
          const zbMb = tf.gather(f2, tf.tensor1d(permMb!, 'int32')) as tf.Tensor4D;
          const { grads } = tf.variableGrads(() => {
            section('mixer');
            const mMb = mixerForward(mixer, { za: f1, zb: zbMb }, lamMb, { ...mo, bnUpdates: bnMixer }).m;
            const { l1, variance } = maskLossParts(mMb, lamMb, cfg.maskMargin);
            const shape = effectiveMaskLossMode(cfg) === 'l1' ? l1 : tf.sub(l1, tf.mul(2, variance));
            const mask = tf.mul(effectiveMaskLossWeight(cfg), shape) as tf.Scalar;
            const xMb = crossViewMix(x1, x2, permMb!, mMb);
            section('momentum');
            const [z] = embed(kv, nets.kFc2, [xMb], { inputGrad: true, split });
            section('loss');
            const { sA, sB, sNeg } = crossViewSims(z, k1!, k2, permMb!, queue);
            const eta = sslEtaLoss(sA, sB, sNeg, lamMb, T, cfg.eta);
            keepAll(kept, eta.local, eta.global, eta.total, mask, l1, variance);
            Object.assign(out, { local: eta.local, global: eta.global, mixer: eta.total, mask });
            Object.assign(out, { maskL1: l1, maskVar: variance });
            return tf.add(eta.total, mask) as tf.Scalar;
          }, c.optMixer!.vars);
          section('optimizer');
          c.optMixer!.step(grads, cosineLr(c.step, cfg.steps, effectiveMixerLr(cfg), cfg.mixerLrMin));
        }
      } else if (mixing) {
        section('mixer');
        const makeMask = METHODS[cfg.method].makeMask;
        if (!makeMask) throw new Error(`method ${cfg.method} has no mask for the SSL scenario`);
        const res = makeMask({ x: x1, perm: permBb!, lam: lamBb, rng });
        if (typeof res.lam !== 'number') throw new Error(`method ${cfg.method} gives per-sample λ`);
        lamBb = res.lam;
        mBb = res.m;
      }
      if (updateQ) {
        const xBb = mBb ? crossViewMix(x1, x2, permBb!, mBb) : null;
        const all = c.data.dataset.train.labels; // display only
        const labelsA = Int32Array.from(idx, (i) => all[i]);
        const labelsB = permBb ? permuteLabels(labelsA, permBb) : labelsA;
        sample = captureSample(xBb ?? x1, labelsA, labelsB, xBb ? lamBb : 1);
        const { grads } = tf.variableGrads(() => {
          section('online');
          const [q, zBb] = embed(qv, nets.qFc2, xBb ? [x1, xBb] : [x1], { bnUpdates: bnQ, split });
          section('loss');
          const pos = rowDot(q, k2);
          const neg = queueSims(q, queue);
          const moco = infoNCE(pos, neg, T);
          const acc = tf.mean(tf.cast(tf.greater(pos, tf.max(neg, 1)), 'float32')) as tf.Scalar;
          keepAll(kept, moco, acc);
          Object.assign(out, { oneQ: moco, acc });
          if (!zBb) return moco;
          const mixQ = mixedContrastive(zBb, k1!, k2, permBb!, queue, lamBb, T);
          keepAll(kept, mixQ);
          out.mixQ = mixQ;
          return tf.add(moco, mixQ) as tf.Scalar;
        }, c.optQ.vars);
        section('optimizer');
        c.optQ.step(grads, cosineLr(c.step, cfg.steps, cfg.lr, 0));
      }
      section('optimizer');
      applyBnUpdates([...bnK, ...bnMixer, ...bnQ]);
      if (updateQ) {
        emaUpdate(
          nets.ema,
          momentumAt(c.step, cfg.steps, {
            base: cfg.emaBase,
            end: cfg.emaEnd,
            warmupFrac: cfg.emaWarmupFrac,
          }),
        );
        c.queue.enqueue(k2);
      }
      if (mBb) out.maskMean = tf.sub(1, tf.mean(mBb)) as tf.Scalar;
      out.total = sumScalars([out.mixer, out.mask, out.oneQ, out.mixQ]);
      return packMetrics(out);
    });
    return { packed, lamMb, lamBb, sample };
  } finally {
    for (const list of [bnK, bnMixer, bnQ]) discardBnUpdates(list);
    for (const t of kept) t.dispose();
  }
}
