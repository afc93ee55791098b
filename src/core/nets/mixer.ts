/**
 * The Mixer M_φ (docs/method.md; OpenMixup `PixelMixBlock`, Li et al., "Boosting Discriminative Visual
 * Representation Learning with Scenario-Agnostic Mixup", arXiv 2111.15454; AutoMix v1: Liu et al.,
 * arXiv 2103.13027). It maps stage-l features Z `[N, h, w, C]` of the momentum encoder, a mixing ratio
 * λ and a permutation σ to the mask m `[N, H, W, 1]` — the weight of the *shuffled* image x[σ].
 *
 * SAMix: λ̂ = f_k(λ); Z_a = Z·(1+λ̂), Z_b = Z[σ]·(2−λ̂); Q, K = two 1×1 convs (bias) on
 * concat(Z_a, Z_b) with d = C/2; P = softmax(QKᵀ/√d); V = 1×1 conv C→C/2 (no bias) → BN → ELU →
 * 1×1 conv C/2→1 (no bias) on Z_b; logits = P·V; m = sigmoid(bilinear-resize(logits)).
 * AutoMix: one shared 1×1 conv W (C→d, bias) on Z_a = Z and Z_b = Z[σ] separately, value = 1×1 conv
 * C→1 with bias on Z_b, nearest upsampling, no λ input.
 * 1×1 convs are written as matrix products on `[N·h·w, C]`. Init N(0, 0.01²), bias 0, BN γ=1, β=0.
 * Two browser options, both off in OpenMixup (docs/decisions.md, "The SAMix Mixer's two browser switches"):
 * `local` adds each position's own value score to its logit (logits = P·V + V), and `fit` shifts
 * each mask's logits so that its mean is exactly 1 − λ (maskFit.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';
import { fitMaskMean, mixerFitTarget } from '../maskFit';
import { lamRescale } from '../schedule';
import { batchNorm, type BnRecord } from './batchNorm';
import type { Viewed } from './flat';
import { bnParams, denseParams, normalVariable, type BnParams, type DenseParams } from './params';

const MIXER_INIT_STD = 0.01;

export interface SamixMixerParams {
  kind: 'samix';
  /** Query 1×1 conv `[2C, d]` + bias. */
  query: DenseParams;
  /** Key 1×1 conv `[2C, d]` + bias. */
  key: DenseParams;
  /** Value net: `[C, C/2]` (no bias) → BN(C/2) → ELU → `[C/2, 1]` (no bias). */
  value1: tf.Variable<tf.Rank.R2>;
  valueBn: BnParams;
  value2: tf.Variable<tf.Rank.R2>;
}

export interface AutomixMixerParams {
  kind: 'automix';
  /** Shared embedding W `[C, d]` + bias, applied to Z_a and Z_b separately. */
  embed: DenseParams;
  /** Linear value `[C, 1]` + bias on Z_b. */
  value: DenseParams;
}

export type MixerParams = SamixMixerParams | AutomixMixerParams;

/**
 * Builds a Mixer for `channels` = C input channels (d = C/2, at least 1).
 * @param kind 'samix' or 'automix'
 */
export function buildMixer(rng: Rng, kind: 'samix' | 'automix', channels: number): MixerParams {
  const c = channels;
  const d = Math.max(1, Math.floor(c / 2));
  if (kind === 'automix') {
    return {
      kind,
      embed: denseParams(rng, c, d, MIXER_INIT_STD),
      value: denseParams(rng, c, 1, MIXER_INIT_STD),
    };
  }
  return {
    kind,
    query: denseParams(rng, 2 * c, d, MIXER_INIT_STD),
    key: denseParams(rng, 2 * c, d, MIXER_INIT_STD),
    value1: normalVariable<tf.Rank.R2>(rng, [c, d], MIXER_INIT_STD),
    valueBn: bnParams(d),
    value2: normalVariable<tf.Rank.R2>(rng, [d, 1], MIXER_INIT_STD),
  };
}

/**
 * What the Mixer reads: stage-l features and σ (SL), or an explicit pair (SSL: Z_a = F¹, Z_b = F²[σ]).
 */
export type MixerInput = { z: tf.Tensor4D; perm: Int32Array } | { za: tf.Tensor4D; zb: tf.Tensor4D };

export interface MixerOptions {
  /** Mask size `[H, W]` (the image size). */
  outSize: [number, number];
  /** λ rescale constant k (`lamMulK`; −1 = identity). SAMix only. */
  lamMulK: number;
  /** Value-net BN mode. */
  training: boolean;
  /** Where the value-net BN records its batch statistics (train mode). */
  bnUpdates?: BnRecord[];
  /** `mixerLocal`: logits = P·V + V, each position also keeps its own content score (not in OpenMixup). */
  local?: boolean;
  /** `maskFit`: shift each mask's logits so its mean is exactly 1 − λ (maskFit.ts; not in OpenMixup). */
  fit?: boolean;
}

export interface MixerOutput {
  /** Mask m, weight of the shuffled image: `[N, H, W, 1]` in (0, 1). */
  m: tf.Tensor4D;
  /** Mask logits at feature resolution, `[N, h, w, 1]`. */
  logits: tf.Tensor4D;
  /** Mixing attention P, `[N, hw, hw]`, rows sum to 1. */
  attention: tf.Tensor3D;
}

/** Z_a, Z_b before the λ encoding: `[N, h, w, C]` each. */
function sources(input: MixerInput): [tf.Tensor4D, tf.Tensor4D] {
  if ('z' in input) return [input.z, tf.gather(input.z, tf.tensor1d(input.perm, 'int32')) as tf.Tensor4D];
  return [input.za, input.zb];
}

/**
 * SAMix λ encoding (docs/method.md): λ̂ = f_k(λ); Z_a = Z_a_src·(1 + λ̂), Z_b = Z_b_src·(2 − λ̂).
 * @param zaSrc `[N, h, w, C]` un-shuffled features; @param zbSrc `[N, h, w, C]` shuffled features
 * @returns [Z_a, Z_b], same shapes
 */
export function lamEncode(
  zaSrc: tf.Tensor4D,
  zbSrc: tf.Tensor4D,
  lam: number,
  lamMulK: number,
): [tf.Tensor4D, tf.Tensor4D] {
  const lamHat = lamRescale(lam, lamMulK);
  return [tf.mul(zaSrc, 1 + lamHat) as tf.Tensor4D, tf.mul(zbSrc, 2 - lamHat) as tf.Tensor4D];
}

/** Row-wise `x·w (+ b)` on a feature map: `[N, h, w, Ci]` → `[N·h·w, Co]`. */
function conv1x1(x: tf.Tensor4D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  const [n, h, wd, c] = x.shape;
  return tf.fused.matMul({ a: tf.reshape(x, [n * h * wd, c]), b: w, bias: b }) as tf.Tensor2D; // [N·h·w, Co]
}

/** P = softmax(QKᵀ/√d): q, k `[N·hw, d]` → `[N, hw, hw]`. */
function attention(q: tf.Tensor2D, k: tf.Tensor2D, n: number, hw: number): tf.Tensor3D {
  const d = q.shape[1];
  const q3 = tf.reshape(q, [n, hw, d]);
  const k3 = tf.reshape(k, [n, hw, d]);
  const scores = tf.matMul(q3, k3, false, true); // [N, hw, hw]
  return tf.softmax(tf.mul(scores, 1 / Math.sqrt(d))) as tf.Tensor3D;
}

/**
 * Mixer forward pass.
 * @param lam λ (label weight of the un-shuffled image); only SAMix reads it
 * @returns mask m `[N, H, W, 1]`, logits `[N, h, w, 1]` and attention `[N, hw, hw]`
 */
export function mixerForward(
  p: MixerParams | Viewed<MixerParams>,
  input: MixerInput,
  lam: number,
  o: MixerOptions,
): MixerOutput {
  const [zaSrc, zbSrc] = sources(input);
  const [n, h, w] = zaSrc.shape;
  const hw = h * w;
  let attn: tf.Tensor3D;
  let v: tf.Tensor2D;
  if (p.kind === 'samix') {
    const [za, zb] = lamEncode(zaSrc, zbSrc, lam, o.lamMulK); // [N, h, w, C] each
    const x = tf.concat([za, zb], 3) as tf.Tensor4D; // [N, h, w, 2C]
    attn = attention(conv1x1(x, p.query.w, p.query.b), conv1x1(x, p.key.w, p.key.b), n, hw);
    const v1 = batchNorm(conv1x1(zb, p.value1), p.valueBn, { training: o.training, updates: o.bnUpdates }); // [N·hw, C/2]
    v = tf.matMul(tf.elu(v1), p.value2); // [N·hw, 1]
  } else {
    attn = attention(conv1x1(zaSrc, p.embed.w, p.embed.b), conv1x1(zbSrc, p.embed.w, p.embed.b), n, hw);
    v = conv1x1(zbSrc, p.value.w, p.value.b); // [N·hw, 1]
  }
  const v3 = tf.reshape(v, [n, hw, 1]);
  const pooled = tf.matMul(attn, v3); // [N, hw, 1]
  const logits = tf.reshape(o.local ? tf.add(pooled, v3) : pooled, [n, h, w, 1]) as tf.Tensor4D; // [N, h, w, 1]
  const up =
    p.kind === 'samix'
      ? tf.image.resizeBilinear(logits, o.outSize, false, true) // PyTorch bilinear, align_corners=False
      : tf.image.resizeNearestNeighbor(logits, o.outSize, false, false); // PyTorch 'nearest' (floor rule)
  const m = tf.sigmoid(up) as tf.Tensor4D;
  return { m: o.fit ? fitMaskMean(m, mixerFitTarget(lam)) : m, logits, attention: attn };
}

/** Two-channel mask `[1 − m, m]`: `[N, H, W, 1]` → `[N, H, W, 2]` (channel 0 weights x). */
export function maskChannels(m: tf.Tensor4D): tf.Tensor4D {
  return tf.concat([tf.sub(1, m), m], 3) as tf.Tensor4D;
}
