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
import { effectiveAlpha, effectiveMixerLr, type RunConfig } from '../config';
import { maskAdjustIfFar } from '../mask';
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
import { sslView, type ViewOptions } from '../sslViews';
import type { StepPart } from '../trainerTypes';
import { embed, sslStageFeatures, type SslNets } from '../ssl/model';
import type { KeyQueue } from '../ssl/queue';
import { captureSample, type StepSample } from './batchSample';
import { packMetrics, sumScalars, type PackedKey } from './metrics';
import { keepAll } from './keepAll';
import { crossViewMix, drawSsl, sslMixerObjective, sslOnlineObjective } from './sslTerms';

export { bnSplit, crossViewMix, crossViewSims, mixedContrastive } from './sslTerms';

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

/** One SSL step of `cfg.method` (see the file comment). `part` restricts the update to φ or to θ_q. */
export function sslStep(c: SslContext, part: StepPart): SslStepOutput {
  const { cfg, rng, nets } = c;
  const ds = c.data.dataset;
  const T = cfg.sslTemperature;
  const mixing = cfg.method !== 'erm';
  const samix = cfg.method === 'samix' && nets.mixer !== null;
  section('data');
  const d = drawSsl(rng, c.data, cfg.batch, c.views, { mixing, samix, alpha: effectiveAlpha(cfg) });
  const bnK: BnRecord[] = [];
  const bnMixer: BnRecord[] = [];
  const bnQ: BnRecord[] = [];
  const kept: tf.Tensor[] = [];
  const updateQ = part !== 'mixer';
  const updateMixer = samix && part !== 'classifier';
  let lamBb = d.lamBb;
  let sample: StepSample | null = null;
  try {
    const packed = tf.tidy(() => {
      const out: Partial<Record<PackedKey, tf.Scalar>> = {};
      const x = tf.gather(c.data.trainX, tf.tensor1d(d.idx, 'int32')) as tf.Tensor4D;
      const x1 = sslView(x, d.p1, ds);
      const x2 = sslView(x, d.p2, ds);
      const qv = nets.q.views();
      const kv = nets.k.views();
      const queue = c.queue.keys;
      const split = d.split;
      // 2. Keys: no gradient, momentum network, shuffled BN.
      section('momentum');
      const [k2] = embed(kv, nets.kFc2, [x2], { bnUpdates: bnK, split, shuffle: d.shuffle2 });
      const k1 = mixing
        ? embed(kv, nets.kFc2, [x1], { bnUpdates: bnK, split, shuffle: d.shuffle1 })[0]
        : null;
      let mBb: tf.Tensor4D | null = null;
      if (samix) {
        // 3. The Mixer: the backbone's mask from φ before its update (no gradient path), then φ's step.
        const mixer = nets.mixer!;
        const f1 = sslStageFeatures(kv, x1, cfg.mixerStage); // [N, h, w, C]
        const f2 = sslStageFeatures(kv, x2, cfg.mixerStage);
        const mo = {
          outSize: [x1.shape[1], x1.shape[2]] as [number, number],
          lamMulK: cfg.lamMulK,
          bnUpdates: bnMixer,
        };
        section('mixer');
        const zbBb = tf.gather(f2, tf.tensor1d(d.permBb!, 'int32')) as tf.Tensor4D;
        const raw = mixerForward(mixer, { za: f1, zb: zbBb }, lamBb, { ...mo, training: true }).m;
        mBb = maskAdjustIfFar(raw, lamBb, cfg.maskMargin); // mask_adjust = auto
        if (updateMixer) {
          const zbMb = tf.gather(f2, tf.tensor1d(d.permMb!, 'int32')) as tf.Tensor4D;
          const inputs = { mixer, nets, kv, x1, x2, f1, zbMb, k1: k1!, k2, queue };
          const { grads } = tf.variableGrads(() => {
            const t = sslMixerObjective(inputs, d, cfg, mo);
            keepAll(kept, t.eta.local, t.eta.global, t.eta.total, t.mask, t.l1, t.variance);
            Object.assign(out, {
              local: t.eta.local,
              global: t.eta.global,
              mixer: t.eta.total,
              mask: t.mask,
            });
            Object.assign(out, { maskL1: t.l1, maskVar: t.variance });
            return tf.add(t.eta.total, t.mask) as tf.Scalar;
          }, c.optMixer!.vars);
          section('optimizer');
          c.optMixer!.step(grads, cosineLr(c.step, cfg.steps, effectiveMixerLr(cfg), cfg.mixerLrMin));
        }
      } else if (mixing) {
        // 3'. Mixup / CutMix: the method's mask (CutMix recomputes λ from its box).
        section('mixer');
        const makeMask = METHODS[cfg.method].makeMask;
        if (!makeMask) throw new Error(`method ${cfg.method} has no mask for the SSL scenario`);
        const res = makeMask({ x: x1, perm: d.permBb!, lam: lamBb, rng });
        if (typeof res.lam !== 'number') throw new Error(`method ${cfg.method} gives per-sample λ`);
        lamBb = res.lam;
        mBb = res.m;
      }
      if (updateQ) {
        // 4. The online network on view 1 and on x_bb.
        const xBb = mBb ? crossViewMix(x1, x2, d.permBb!, mBb) : null;
        const all = c.data.dataset.train.labels; // display only
        const labelsA = Int32Array.from(d.idx, (i) => all[i]);
        const labelsB = d.permBb ? permuteLabels(labelsA, d.permBb) : labelsA;
        sample = captureSample(xBb ?? x1, labelsA, labelsB, xBb ? lamBb : 1);
        const { grads } = tf.variableGrads(() => {
          const t = sslOnlineObjective(qv, nets, x1, xBb, { k1, k2, queue }, { ...d, lamBb }, T, bnQ);
          keepAll(kept, t.moco, t.acc, ...(t.mixQ ? [t.mixQ] : []));
          Object.assign(out, { oneQ: t.moco, acc: t.acc, ...(t.mixQ ? { mixQ: t.mixQ } : {}) });
          return t.mixQ ? (tf.add(t.moco, t.mixQ) as tf.Scalar) : t.moco;
        }, c.optQ.vars);
        section('optimizer');
        c.optQ.step(grads, cosineLr(c.step, cfg.steps, cfg.lr, 0));
      }
      // 5. BN statistics, k ← EMA of q, enqueue k².
      section('optimizer');
      applyBnUpdates([...bnK, ...bnMixer, ...bnQ]);
      if (updateQ) {
        const m = momentumAt(c.step, cfg.steps, {
          base: cfg.emaBase,
          end: cfg.emaEnd,
          warmupFrac: cfg.emaWarmupFrac,
        });
        emaUpdate(nets.ema, m);
        c.queue.enqueue(k2);
      }
      if (mBb) out.maskMean = tf.sub(1, tf.mean(mBb)) as tf.Scalar;
      out.total = sumScalars([out.mixer, out.mask, out.oneQ, out.mixQ]);
      return packMetrics(out);
    });
    return { packed, lamMb: d.lamMb, lamBb, sample };
  } finally {
    for (const list of [bnK, bnMixer, bnQ]) discardBnUpdates(list);
    for (const t of kept) t.dispose();
  }
}
