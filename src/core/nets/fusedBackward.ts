/**
 * The hand-written backward of the fused classifier op (fused.ts) over the record of its forward
 * (fusedForward.ts): heads, blocks in reverse, any feature mixing, the stem.
 *
 * Per conv-BN unit, with M values per channel, x̂ = (c − μ)·r, r = 1/√(σ² + ε):
 *   dβ/M = mean(dy),  dγ/M = mean(dy·x̂),  dc = γ·r·(dy − dβ/M − x̂·dγ/M),
 * then the conv's filter and input gradients. The means are what dc needs; the parameter gradients
 * dβ, dγ are those means times M, and that factor is NOT applied here per layer: the leaf is recorded
 * with scale M (`Backward.scales`) and the op applies every scale at once when it assembles its
 * gradient (one multiply of the flat gradient, opParams.ts) — two kernels fewer per unit.
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPSILON } from './batchNorm';
import { convFilterGrad, convInputGrad } from './conv';
import { channelMean, type ClassifierTree, type Forward, type HeadName, type MixRec } from './fusedForward';
import type { T1, T3, T4, UnitRec } from './fusedForward';
import type { FusedGraph } from './engine';
import { batchMatMul, depthwise1x1, fusedBatchNorm } from './kernels';
import { inversePermutation } from './permute';

/** Gradients of one backward, by parameter leaf; `scales[leaf]` multiplies the leaf's gradient. */
export interface Backward {
  params: Map<tf.Tensor, tf.Tensor>;
  scales: Map<tf.Tensor, number>;
}

/** Adds `g`·`scale` (the scale applied later, see the file comment) to the leaf's gradient. */
function addGrad(out: Backward, leaf: tf.Tensor, g: tf.Tensor, scale = 1): void {
  const prev = out.params.get(leaf);
  if ((out.scales.get(leaf) ?? scale) !== scale) throw new Error('one leaf, two gradient scales');
  if (scale !== 1) out.scales.set(leaf, scale);
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
  let mGamma: tf.Tensor; // dγ/M
  let mBeta: tf.Tensor; // dβ/M
  if (graph === 'cpu') {
    // dc = γr·dy + d·(−γr²·dγ/M) − γr·dβ/M, with dγ/M = r·mean(dy·d).
    const a4 = u.a4!;
    const a = tf.reshape(a4, [a4.shape[2]]) as T1;
    mBeta = channelMean(dy);
    mGamma = tf.mul(channelMean(tf.mul(dy, u.d!) as T4), u.r!);
    const k2 = tf.neg(tf.mul(tf.mul(a, u.r!), mGamma)) as T1;
    const k3 = tf.neg(tf.mul(a, mBeta)) as T1;
    const t1 = tf.depthwiseConv2d(dy, a4, 1, 'valid') as T4;
    dc = tf.add(t1, depthwise1x1(u.d!, k2, k3, 'linear')) as T4;
  } else if (G === 1) {
    // FusedBatchNorm kernels as affine maps: x̂ = FBN(c), x̂·dγ/M = FBN(c; scale dγ/M),
    // dc = FBN(dy − x̂·dγ/M; mean dβ/M, scale γ).
    const c = u.c!;
    mBeta = tf.mean(dy, [0, 1, 2]); // [C]
    const xhat = fusedBatchNorm(c, u.mu!, u.v!, undefined, undefined, BN_EPSILON);
    mGamma = tf.mean(tf.mul(dy, xhat), [0, 1, 2]); // [C]
    const s = fusedBatchNorm(c, u.mu!, u.v!, undefined, mGamma as T1, BN_EPSILON);
    dc = fusedBatchNorm(tf.sub(dy, s) as T4, mBeta as T1, u.v!, undefined, gamma, BN_EPSILON);
  } else {
    const C = dy.shape[3];
    const dy3 = tf.reshape(dy, [G, M, C]) as T3;
    const mBetaG = tf.mean(dy3, 1, true); // [G, 1, C]
    const xhat = u.xhat3!;
    const mGammaG = tf.mean(tf.mul(dy3, xhat), 1, true); // [G, 1, C]
    const centred = tf.sub(tf.sub(dy3, mBetaG), tf.mul(xhat, mGammaG));
    dc = tf.reshape(tf.mul(centred, tf.mul(u.r3!, gamma)), dy.shape) as T4; // · γ/σ
    mGamma = tf.sum(mGammaG, [0, 1]);
    mBeta = tf.sum(mBetaG, [0, 1]);
  }
  if (needParams) {
    addGrad(out, u.bn.gamma, mGamma, M);
    addGrad(out, u.bn.beta, mBeta, M);
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
export function runBackward(
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
  // One group: pooled `[N, C]` against `[1, N, K]` (see runForward).
  const dl = dLogits;
  if (needParams) {
    const dW = batchMatMul(pooled, dl, true, false); // [G, C, K]
    const dB = G === 1 ? tf.sum(dl, [0, 1]) : tf.sum(dl, 1); // [K] | [G, K]
    const dWs = G === 1 ? [dW] : tf.unstack(tf.reshape(dW, [G, dW.shape[1] * dW.shape[2]])); // flat rows
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
