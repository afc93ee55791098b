/**
 * The train-mode forward of the fused classifier op (fused.ts): stem, blocks and heads run outside
 * any gradient tape, keeping exactly what the hand-written backward (fusedBackward.ts) reads.
 *
 * Per conv-BN(-ReLU) unit, by graph (see fused.ts for why two):
 * - `gpu`, one group: statistics by Mean/SquaredDifference/Mean, normalisation by ONE
 *   `FusedBatchNorm` kernel; keeps the conv output c, μ and σ².
 * - `gpu`, G groups (one batch of G·N images, per-group statistics): element-wise ops on `[G, M, C]`;
 *   keeps the centred output, 1/σ and γ/σ per group.
 * - `cpu` (wasm, cpu): channel means as average pools, the affine map with its ReLU as a fused 1×1
 *   depthwise convolution; keeps the centred output, 1/σ and γ/σ as a depthwise filter.
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPSILON, type BnRecord } from './batchNorm';
import type { Viewed } from './flat';
import type { HeadsParams } from './heads';
import {
  avgPoolValid,
  batchMatMul,
  depthwise1x1,
  fusedBatchNorm,
  rsqrtEps,
  type FusedGraph,
} from './kernels';
import type { BnParams } from './params';
import type { Saves } from './saves';
import { NUM_STAGES, STAGE_STRIDES, type BlockParams, type FeatureMix, type ResNetParams } from './resnet';

export type T4 = tf.Tensor4D;
export type T3 = tf.Tensor3D;
export type T1 = tf.Tensor1D;
export type Bn = BnParams | Viewed<BnParams>;

/** A classifier tree whose leaves are tensors (variables or views). */
export interface ClassifierTree {
  encoder: ResNetParams | Viewed<ResNetParams>;
  heads: HeadsParams | Viewed<HeadsParams>;
}

export type HeadName = keyof HeadsParams;

export interface FusedOptions {
  /** Where the forward records its BN batch statistics (one packed record per group). */
  bnUpdates?: BnRecord[];
  /** ManifoldMix: mix h ← λh + (1 − λ)h[σ] after this stage (0 = input). One group only. */
  mixAtStage?: FeatureMix;
  /** Compute ∂/∂x (default true; false when x depends on nothing trainable). */
  inputGrad?: boolean;
  /** Compute ∂/∂parameters (default true; only trainable parameters are ever differentiated). */
  paramGrads?: boolean;
}

/** Zeros `[C]` (an upload, no kernel): the mean of an already normalised input. */
function zeroMean(C: number): T1 {
  return tf.tensor1d(new Float32Array(C));
}

/** 1 − ε `[C]`: with it, FusedBatchNorm's rsqrt(variance + ε) is 1, so the kernel is γ·x + β. */
function unitVariance(C: number): T1 {
  return tf.tensor1d(new Float32Array(C).fill(1 - BN_EPSILON));
}

export interface UnitRec {
  x: T4;
  w: tf.Tensor;
  bn: Bn;
  stride: number;
  /** Output after the ReLU (only for units with a ReLU). */
  y?: T4;
  /** Values per channel per group. */
  count: number;
  // gpu graph, G = 1: conv output, batch mean and variance
  c?: T4;
  mu?: T1;
  v?: T1;
  // gpu graph, G > 1: normalised conv output x̂ [G, M, C] and 1/σ per group [G, 1, C]
  xhat3?: T3;
  r3?: T3;
  // cpu graph: centred conv output, 1/σ [C], γ/σ as a depthwise filter [1, 1, C, 1]
  d?: T4;
  r?: T1;
  a4?: T4;
}

export interface BlockRec {
  u1: UnitRec;
  u2: UnitRec;
  ud?: UnitRec;
  out: T4;
}

export interface MixRec {
  stage: number;
  perm: Int32Array;
  lam: number;
}

/** The forward's record (everything the backward reads). */
export interface Forward {
  groups: number;
  stem?: UnitRec;
  blocks: BlockRec[];
  mixes: MixRec[];
  /** Pooled features `[G, N, C]` and the stacked head weights `[G, C, K]` (one group: `[N, C]`, `[C, K]`). */
  pooled?: tf.Tensor;
  headW?: tf.Tensor;
  /** Output of the last stage ran (after any mixing). */
  last: T4;
  stages: T4[];
  /** BN statistics pieces in network order ([μ, σ²] per layer). */
  stats: tf.Tensor[];
  counts: number[];
  layers: Bn[];
  logits?: T3;
}

/**
 * Per-channel means of `t` `[B, H, W, C]` → `[C]`: an average pool over the whole image (an XNNPACK
 * kernel on wasm, 6× faster than `Mean` over the outer axes), then the mean over the batch.
 */
export function channelMean(t: T4): T1 {
  const [, H, W] = t.shape;
  return tf.mean(avgPoolValid(t, [H, W]), [0, 1, 2]) as T1;
}

class Runner {
  readonly f: Forward;
  constructor(
    readonly graph: FusedGraph,
    readonly groups: number,
    private readonly saves: Saves | null,
  ) {
    this.f = {
      groups,
      blocks: [],
      mixes: [],
      stages: [],
      stats: [],
      counts: [],
      layers: [],
      last: null as unknown as T4,
    };
  }

  keep<T extends tf.Tensor>(t: T): T {
    return this.saves ? this.saves.keep(t) : t;
  }

  unit(x: T4, w: tf.Tensor, bn: Bn, stride: number, relu: boolean): { y: T4; rec: UnitRec } {
    const G = this.groups;
    const c = tf.conv2d(x, w as T4, stride, 'same');
    const [B, H, W, C] = c.shape;
    const M = (B / G) * H * W;
    const rec: UnitRec = { x: this.keep(x), w, bn, stride, count: M };
    let y: T4;
    if (this.graph === 'cpu') {
      // Two-pass statistics as in tf.moments; d = c − μ and y = relu(d·γ/σ + β) as depthwise 1×1 convs.
      const mu = channelMean(c);
      const d = depthwise1x1(c, tf.ones([1, 1, C, 1]) as T4, tf.neg(mu) as T1, 'linear');
      const v = channelMean(tf.square(d) as T4);
      const r = rsqrtEps(v, BN_EPSILON) as T1;
      const a = tf.mul(bn.gamma, r) as T1;
      y = depthwise1x1(d, a, bn.beta as T1, relu ? 'relu' : 'linear');
      this.f.stats.push(mu, v);
      rec.d = this.keep(d);
      rec.r = this.keep(r);
      rec.a4 = this.keep(tf.reshape(a, [1, 1, C, 1]) as T4);
    } else if (G === 1) {
      const mu = tf.mean(c, [0, 1, 2]) as T1;
      const v = tf.mean(tf.squaredDifference(c, mu), [0, 1, 2]) as T1;
      y = fusedBatchNorm(c, mu, v, bn.beta as T1, bn.gamma as T1, BN_EPSILON);
      if (relu) y = tf.relu(y);
      this.f.stats.push(mu, v);
      rec.c = this.keep(c);
      rec.mu = this.keep(mu);
      rec.v = this.keep(v);
    } else {
      const c3 = tf.reshape(c, [G, M, C]) as T3;
      const mu = tf.mean(c3, 1, true) as T3; // [G, 1, C]
      const d3 = tf.sub(c3, mu) as T3;
      const v = tf.mean(tf.square(d3), 1, true) as T3;
      const r3 = rsqrtEps(v, BN_EPSILON) as T3;
      // x̂ = d·r per group, then γ·x̂ + β as ONE FusedBatchNorm kernel (mean 0, variance 1 − ε).
      const xhat3 = tf.mul(d3, r3) as T3;
      y = fusedBatchNorm(
        tf.reshape(xhat3, c.shape) as T4,
        zeroMean(C),
        unitVariance(C),
        bn.beta as T1,
        bn.gamma as T1,
        BN_EPSILON,
      );
      if (relu) y = tf.relu(y);
      this.f.stats.push(mu, v);
      rec.xhat3 = this.keep(xhat3);
      rec.r3 = this.keep(r3);
    }
    this.f.counts.push(M);
    this.f.layers.push(bn);
    if (relu) rec.y = this.keep(y);
    return { y, rec };
  }

  block(x: T4, p: BlockParams | Viewed<BlockParams>, stride: number): T4 {
    const u1 = this.unit(x, p.conv1, p.bn1, stride, true);
    const u2 = this.unit(u1.y, p.conv2, p.bn2, 1, false);
    const ud = p.down ? this.unit(x, p.down.conv, p.down.bn, stride, false) : null;
    const out = tf.relu(tf.add(u2.y, ud ? ud.y : x)) as T4;
    this.f.blocks.push({ u1: u1.rec, u2: u2.rec, ud: ud?.rec, out: this.keep(out) });
    return out;
  }

  mix(h: T4, m: FeatureMix): T4 {
    this.f.mixes.push({ stage: m.stage, perm: m.perm, lam: m.lam });
    const other = tf.gather(h, tf.tensor1d(m.perm, 'int32'));
    return tf.add(tf.mul(h, m.lam), tf.mul(other, 1 - m.lam)) as T4;
  }
}

/**
 * The train-mode forward (no tape) of ONE batch of G groups: stem, blocks up to `stopAtStage`,
 * optionally pooled features and one head per group. Records BN statistics when asked.
 * @param x `[G·N, H, W, C]`, already a tensor the caller keeps alive (or kept here)
 */
export function runForward(
  graph: FusedGraph,
  net: ClassifierTree,
  x: T4,
  heads: HeadName[] | null,
  groups: number,
  o: FusedOptions & { stopAtStage?: number },
  saves: Saves | null,
): Forward {
  const R = new Runner(graph, groups, saves);
  const enc = net.encoder;
  const mix = o.mixAtStage;
  if (mix && groups !== 1) throw new Error('feature mixing needs one group');
  let h = mix?.stage === 0 ? R.mix(x, mix) : x;
  const stem = R.unit(h, enc.stem.conv, enc.stem.bn, 1, true);
  R.f.stem = stem.rec;
  h = stem.y;
  const last = o.stopAtStage ?? NUM_STAGES;
  for (let s = 0; s < last; s++) {
    h = R.block(h, enc.blocks[s], STAGE_STRIDES[s]);
    if (mix?.stage === s + 1) h = R.mix(h, mix);
    R.f.stages.push(h);
  }
  R.f.last = R.keep(h);
  if (o.bnUpdates) {
    const stats = groups === 1 ? tf.concat(R.f.stats) : tf.concat(R.f.stats, 2); // [2ΣC] | [G, 1, 2ΣC]
    o.bnUpdates.push({ layers: R.f.layers, stats: tf.keep(stats), counts: R.f.counts });
  }
  if (heads) {
    const [B, , , C] = h.shape;
    const n = B / groups;
    // Head weights may be flat views `[C·K]` (FlatNet.views `flatMatrices`): reshaped here, once.
    const K = net.heads[heads[0]].b.shape[0];
    if (groups === 1) {
      // One group: pooled `[N, C]` times the weight as a batch of one `[1, C, K]` → `[1, N, K]`.
      const pooled = R.keep(tf.mean(h, [1, 2]) as tf.Tensor2D); // [N, C]
      const head = net.heads[heads[0]];
      const w = R.keep(tf.reshape(head.w, [1, C, K]) as T3);
      R.f.pooled = pooled;
      R.f.headW = w;
      R.f.logits = tf.add(batchMatMul(pooled as unknown as T3, w), head.b) as T3; // [1, N, K]
    } else {
      const pooled = R.keep(tf.reshape(tf.mean(h, [1, 2]), [groups, n, C]) as T3); // [G, N, C]
      const ws = heads.map((k) => net.heads[k].w);
      const headW = R.keep(
        (ws.every((w) => w.rank === 1)
          ? tf.reshape(tf.concat(ws), [groups, C, K])
          : tf.concat(
              ws.map((w) => tf.reshape(w, [1, C, K])),
              0,
            )) as T3,
      ); // [G, C, K]
      const bias = tf.reshape(tf.concat(heads.map((k) => net.heads[k].b)), [groups, 1, K]);
      R.f.pooled = pooled;
      R.f.headW = headW;
      R.f.logits = tf.add(batchMatMul(pooled, headW), bias) as T3; // [G, N, K]
    }
  }
  return R.f;
}
