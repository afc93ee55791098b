/**
 * The train-mode classifier — ResNet-mini and its linear heads — as ONE custom-gradient op with a
 * hand-written backward (the hot path of every training step).
 *
 * Why: built from TF.js ops with automatic differentiation, every kernel of the forward records a
 * tape node, clones the tensors its gradient needs (an `Identity` kernel each) and runs its own
 * gradient kernels — about 70 kernels per conv-BN-ReLU unit. Here the forward runs outside the tape,
 * keeps exactly what the backward needs, and the backward is written out:
 *   x̂ = (c − μ)·r,  dβ = Σ dy,  dγ = Σ dy·x̂,  dc = γ·r·(dy − dβ/M − x̂·dγ/M).
 *
 * Two graphs of the same math, chosen by backend (`FusedGraph`):
 * - `gpu` (webgl, webgpu — dispatch-bound): fewest kernels. Statistics by Mean/SquaredDifference,
 *   normalisation by one `FusedBatchNorm` kernel, and its backward as two more of them used as affine
 *   maps: x̂·(−dγ/M) = FBN(c; μ, σ², scale −dγ/M), dc = FBN(dy + that; dβ/M, σ², scale γ).
 *   A unit costs about 6 kernels forward and 13 backward (conv gradients native).
 * - `cpu` (wasm, cpu — bandwidth-bound): fewest slow kernels. On wasm `FusedBatchNorm` (a square
 *   root per element), `Sum`/`Mean` over the outer axes and broadcasting binary ops are 5–20× slower
 *   than the XNNPACK kernels, so channel means are average pools over the image, and every
 *   per-channel affine map (BN with its ReLU; the backward's dy·γr and x̂·k + b) is a fused 1×1
 *   depthwise convolution with bias and activation. More kernels, a fifth of the time.
 *
 * Groups: the op classifies G batches of N images, each normalised with its OWN BN statistics and
 * read by its own head — exactly G forwards of PyTorch's module (same statistics, moving statistics
 * updated in group order). The gpu graph runs them as one batch of G·N images (one conv per layer,
 * per-group statistics); the cpu graph gains nothing from that and runs them one after the other.
 *
 * Parameters: a view tree of a `FlatNet` (flat.ts) makes the op's parameter input the flat variable
 * itself, so its gradient is ONE `[P]` vector (one concat) ready for the optimiser; any other tree
 * gets one gradient per trainable leaf. Non-trainable parameters (the momentum encoder) and inputs
 * that need no gradient (`inputGrad: false`) are not inputs of the op, so nothing is computed for
 * them. BN statistics are recorded as one packed record per group (`PackedBnUpdate`).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPSILON, type BnRecord } from './batchNorm';
import { convFilterGrad, convInputGrad } from './conv';
import type { Viewed } from './flat';
import type { HeadsParams } from './heads';
import {
  activeFusedGraph,
  avgPoolValid,
  batchMatMul,
  depthwise1x1,
  fusedBatchNorm,
  isTaping,
  type FusedGraph,
} from './kernels';
import type { BnParams } from './params';
import { currentSection, withSection } from '../perf';
import { opParams } from './opParams';
import { inversePermutation } from './permute';
import { flushSaves, Saves } from './saves';
import { NUM_STAGES, STAGE_STRIDES, type BlockParams, type FeatureMix, type ResNetParams } from './resnet';

type T4 = tf.Tensor4D;
type T3 = tf.Tensor3D;
type T1 = tf.Tensor1D;
type Bn = BnParams | Viewed<BnParams>;

/** A classifier tree whose leaves are tensors (variables or views). */
export interface ClassifierTree {
  encoder: ResNetParams | Viewed<ResNetParams>;
  heads: HeadsParams | Viewed<HeadsParams>;
}

export type HeadName = keyof HeadsParams;

export { activeFusedGraph, setFusedGraph, type FusedGraph } from './kernels';

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

/**
 * Frees what forwards kept for backwards that never ran (an op whose output did not reach the
 * differentiated value). The trainer calls it after every step. @returns tensors freed
 */
export function flushFusedSaves(): number {
  return flushSaves();
}

interface UnitRec {
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
  // gpu graph, G > 1: centred conv output, 1/σ and γ/σ per group [G, 1, C]
  d3?: T3;
  r3?: T3;
  a3?: T3;
  // cpu graph: centred conv output, 1/σ [C], γ/σ as a depthwise filter [1, 1, C, 1]
  d?: T4;
  r?: T1;
  a4?: T4;
}

interface BlockRec {
  u1: UnitRec;
  u2: UnitRec;
  ud?: UnitRec;
  out: T4;
}

interface MixRec {
  stage: number;
  perm: Int32Array;
  lam: number;
}

/** The forward's record (everything the backward reads). */
interface Forward {
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
function channelMean(t: T4): T1 {
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
      const r = tf.rsqrt(tf.add(v, BN_EPSILON)) as T1;
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
      const r3 = tf.rsqrt(tf.add(v, BN_EPSILON)) as T3;
      const a3 = tf.mul(r3, bn.gamma) as T3;
      y = tf.reshape(tf.add(tf.mul(d3, a3), bn.beta), c.shape) as T4;
      if (relu) y = tf.relu(y);
      this.f.stats.push(mu, v);
      rec.d3 = this.keep(d3);
      rec.r3 = this.keep(r3);
      rec.a3 = this.keep(a3);
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
function runForward(
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
    if (groups === 1) {
      // One group: 2-D operands (BatchMatMul takes them as a batch of one), one reshape at the end.
      const pooled = R.keep(tf.mean(h, [1, 2]) as tf.Tensor2D); // [N, C]
      const head = net.heads[heads[0]];
      R.f.pooled = pooled;
      R.f.headW = head.w;
      const logits = tf.add(batchMatMul(pooled as unknown as T3, head.w as unknown as T3), head.b); // [N, K]
      R.f.logits = tf.reshape(logits, [1, n, head.b.shape[0]]) as T3;
    } else {
      const pooled = R.keep(tf.reshape(tf.mean(h, [1, 2]), [groups, n, C]) as T3); // [G, N, C]
      const ws = heads.map((k) => tf.reshape(net.heads[k].w, [1, C, -1]) as T3);
      const headW = R.keep(tf.concat(ws, 0) as T3); // [G, C, K]
      const K = headW.shape[2];
      const bias = tf.reshape(tf.concat(heads.map((k) => net.heads[k].b)), [groups, 1, K]);
      R.f.pooled = pooled;
      R.f.headW = headW;
      R.f.logits = tf.add(batchMatMul(pooled, headW), bias) as T3; // [G, N, K]
    }
  }
  return R.f;
}

/** Gradients of one backward, by parameter leaf. */
interface Backward {
  params: Map<tf.Tensor, tf.Tensor>;
}

function addGrad(out: Backward, leaf: tf.Tensor, g: tf.Tensor): void {
  const prev = out.params.get(leaf);
  out.params.set(leaf, prev ? tf.add(prev, g) : g);
}

/** Backward of one conv-BN(-ReLU) unit; `dy` is ∂/∂(unit output before its ReLU, if any). */
function unitBackward(
  graph: FusedGraph,
  u: UnitRec,
  dy: T4,
  needDx: boolean,
  needParams: boolean,
  out: Backward,
  G: number,
): T4 | undefined {
  const M = u.count;
  const gamma = u.bn.gamma as T1;
  if (u.w.isDisposed || gamma.isDisposed)
    throw new Error(
      'fusedClassify: parameters were freed before the backward (create views outside the gradient closure)',
    );
  let dc: T4;
  let dGamma: tf.Tensor;
  let dBeta: tf.Tensor;
  if (graph === 'cpu') {
    // dc = γr·dy + d·(−γr²·dγ/M) − γr·dβ/M, with dγ/M = r·mean(dy·d) and dβ/M = mean(dy).
    const a4 = u.a4!;
    const a = tf.reshape(a4, [a4.shape[2]]) as T1;
    const mBeta = channelMean(dy);
    const mGamma = tf.mul(channelMean(tf.mul(dy, u.d!) as T4), u.r!);
    dBeta = tf.mul(mBeta, M);
    dGamma = tf.mul(mGamma, M);
    const k2 = tf.neg(tf.mul(tf.mul(a, u.r!), mGamma)) as T1;
    const k3 = tf.neg(tf.mul(a, mBeta)) as T1;
    const t1 = tf.depthwiseConv2d(dy, a4, 1, 'valid') as T4;
    dc = tf.add(t1, depthwise1x1(u.d!, k2, k3, 'linear')) as T4;
  } else if (G === 1) {
    const c = u.c!;
    dBeta = tf.sum(dy, [0, 1, 2]); // [C]
    const xhat = fusedBatchNorm(c, u.mu!, u.v!, undefined, undefined, BN_EPSILON);
    dGamma = tf.sum(tf.mul(dy, xhat), [0, 1, 2]); // [C]
    const t = fusedBatchNorm(c, u.mu!, u.v!, undefined, tf.mul(dGamma, -1 / M) as T1, BN_EPSILON); // −x̂·dγ/M
    dc = fusedBatchNorm(tf.add(dy, t) as T4, tf.mul(dBeta, 1 / M) as T1, u.v!, undefined, gamma, BN_EPSILON);
  } else {
    const C = dy.shape[3];
    const dy3 = tf.reshape(dy, [G, M, C]) as T3;
    const dBetaG = tf.sum(dy3, 1, true); // [G, 1, C]
    const xhat = tf.mul(u.d3!, u.r3!);
    const dGammaG = tf.sum(tf.mul(dy3, xhat), 1, true); // [G, 1, C]
    const centred = tf.sub(tf.sub(dy3, tf.mul(dBetaG, 1 / M)), tf.mul(xhat, tf.mul(dGammaG, 1 / M)));
    dc = tf.reshape(tf.mul(centred, u.a3!), dy.shape) as T4;
    dGamma = tf.sum(dGammaG, [0, 1]);
    dBeta = tf.sum(dBetaG, [0, 1]);
  }
  if (needParams) {
    addGrad(out, u.bn.gamma, dGamma);
    addGrad(out, u.bn.beta, dBeta);
    addGrad(out, u.w, convFilterGrad(u.x, dc, u.w.shape as [number, number, number, number], u.stride));
  }
  return needDx ? convInputGrad(dc, u.w as T4, u.x.shape, u.stride) : undefined;
}

function unmix(dy: T4, m: MixRec): T4 {
  const back = tf.gather(dy, tf.tensor1d(inversePermutation(m.perm), 'int32'));
  return tf.add(tf.mul(dy, m.lam), tf.mul(back, 1 - m.lam)) as T4;
}

/**
 * The backward of `runForward` with heads; parameter gradients are added into `out`.
 * @param dLogits `[G, N, K]`
 * @returns ∂/∂x when asked
 */
function runBackward(
  graph: FusedGraph,
  f: Forward,
  net: ClassifierTree,
  heads: HeadName[],
  dLogits: T3,
  needDx: boolean,
  needParams: boolean,
  out: Backward,
): T4 | undefined {
  const G = f.groups;
  const pooled = f.pooled! as T3;
  // One group: 2-D operands [N, C], [C, K], [N, K] (see runForward).
  const dl = G === 1 ? (tf.reshape(dLogits, dLogits.shape.slice(1)) as unknown as T3) : dLogits;
  if (needParams) {
    const dW = batchMatMul(pooled, dl, true, false); // [G, C, K] | [C, K]
    const dB = tf.sum(dl, G === 1 ? 0 : 1); // [G, K] | [K]
    const dWs = G === 1 ? [dW] : tf.unstack(dW);
    const dBs = G === 1 ? [dB] : tf.unstack(dB);
    heads.forEach((k, g) => {
      addGrad(out, net.heads[k].w, dWs[g]);
      addGrad(out, net.heads[k].b, dBs[g]);
    });
  }
  const [B, hh, ww, C] = f.last.shape;
  const dPooled = tf.reshape(batchMatMul(dl, f.headW! as T3, false, true), [B, 1, 1, C]); // [B, 1, 1, C]
  const scaled = tf.mul(dPooled, 1 / (hh * ww)) as T4; // ∂/∂(last stage), broadcast over h×w
  const mixAt = new Map(f.mixes.map((m) => [m.stage, m]));
  let d: T4 | null = null; // ∂/∂(output of stage s + 1, after any mixing)
  for (let s = f.blocks.length - 1; s >= 0; s--) {
    const b = f.blocks[s];
    const m = mixAt.get(s + 1);
    let ds: T4; // ∂/∂(block sum before its ReLU)
    if (d === null && !m) {
      ds = tf.mul(tf.step(b.out), scaled) as T4;
    } else {
      const dOut = d ?? (tf.broadcastTo(scaled, b.out.shape) as T4);
      ds = tf.mul(m ? unmix(dOut, m) : dOut, tf.step(b.out)) as T4;
    }
    const dh1 = unitBackward(graph, b.u2, ds, true, needParams, out, G)!;
    const dh1pre = tf.mul(dh1, tf.step(b.u1.y!)) as T4;
    const dMain = unitBackward(graph, b.u1, dh1pre, true, needParams, out, G)!;
    const dSc = b.ud ? unitBackward(graph, b.ud, ds, true, needParams, out, G)! : ds;
    d = tf.add(dMain, dSc) as T4;
  }
  const stem = f.stem!;
  const dStem = tf.mul(d!, tf.step(stem.y!)) as T4;
  const m0 = mixAt.get(0);
  const dx = unitBackward(graph, stem, dStem, needDx, needParams, out, G);
  return dx && m0 ? unmix(dx, m0) : dx;
}

/** Forward of all groups: one batch (gpu graph) or one forward per group (cpu graph). */
function forwardGroups(
  graph: FusedGraph,
  net: ClassifierTree,
  xs: T4[],
  heads: HeadName[],
  o: FusedOptions,
  saves: Saves | null,
): { runs: Forward[]; logits: T3 } {
  if (graph === 'gpu' || xs.length === 1) {
    let x = xs.length === 1 ? xs[0] : (tf.concat(xs) as T4);
    // The input belongs to the caller and may be freed before the backward: keep a clone.
    if (saves && xs.length === 1) x = saves.keep(tf.clone(x));
    else if (saves) saves.keep(x);
    const f = runForward(graph, net, x, heads, xs.length, o, saves);
    return { runs: [f], logits: f.logits! };
  }
  const runs = xs.map((x, g) =>
    runForward(graph, net, saves ? saves.keep(tf.clone(x)) : x, [heads[g]], 1, o, saves),
  );
  return { runs, logits: tf.concat(runs.map((f) => f.logits!)) as T3 };
}

/**
 * Train-mode logits of a classifier for G batches of N images, batch g normalised with its own BN
 * statistics and read by `heads[g]`, as one custom-gradient op (see the file comment).
 * @param xs G batches `[N, H, W, C]`
 * @returns `[G, N, classes]`
 */
export function fusedClassify(net: ClassifierTree, xs: T4[], heads: HeadName[], o: FusedOptions = {}): T3 {
  const G = heads.length;
  if (xs.length !== G) throw new Error(`${xs.length} batches for ${G} heads`);
  const graph = activeFusedGraph();
  const params = opParams(net, [net.encoder, ...heads.map((k) => net.heads[k])], o.paramGrads !== false);
  const wantP = params.inputs.length > 0;
  const wantX = o.inputGrad !== false;
  if (!isTaping() || (!wantP && !wantX)) return forwardGroups(graph, net, xs, heads, o, null).logits;
  const inputs = [...(wantX ? xs : []), ...params.inputs];
  const sec = currentSection(); // the backward is attributed to the forward's section (perf.ts)
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    void args;
    const saves = new Saves();
    const { runs, logits } = forwardGroups(graph, net, xs, heads, o, saves);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor) =>
        withSection(sec, () =>
          tf.tidy(() => {
            try {
              const g: Backward = { params: new Map() };
              const dys = runs.length === 1 ? [dy as T3] : (tf.split(dy, runs.length) as T3[]);
              const dxs = runs.map((f, i) =>
                runBackward(graph, f, net, runs.length === 1 ? heads : [heads[i]], dys[i], wantX, wantP, g),
              );
              const grads: tf.Tensor[] = [];
              if (wantX) {
                if (runs.length === 1 && G > 1) grads.push(...tf.split(dxs[0]!, G));
                else grads.push(...(dxs as T4[]));
              }
              grads.push(...params.gradients(g.params));
              return grads;
            } finally {
              saves.release();
            }
          }),
        ),
    };
  });
  return op(...inputs) as T3;
}

/**
 * Train-mode stage-`stage` features of an encoder (no gradient; for the Mixer's input Z), recording
 * BN statistics as one packed record.
 * @returns `[N, h_l, w_l, C_l]`
 */
export function fusedStageFeatures(
  net: ClassifierTree,
  x: T4,
  stage: number,
  o: Pick<FusedOptions, 'bnUpdates'> = {},
): T4 {
  const f = runForward(activeFusedGraph(), net, x, null, 1, { ...o, stopAtStage: stage }, null);
  return f.stages[stage - 1];
}
