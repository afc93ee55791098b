/**
 * "ResNet-mini" (docs/method.md): a CIFAR-style ResNet with a 3×3 stem conv (stride 1, W channels) + BN +
 * ReLU, four stages of one BasicBlock each (widths W/2W/4W/8W, strides 1/2/2/2) and global average
 * pooling. Grids: 32 px → 32/16/8/4, 28 px → 28/14/7/4, 64 px → 64/32/16/8. 1 or 3 input channels.
 *
 * The forward can stop early (the momentum encoder only needs the Mixer's stage) and can mix hidden
 * features after a stage (ManifoldMix, docs/method.md: stage 0 = the input).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';
import { batchNorm, type BnRecord } from './batchNorm';
import { conv2d } from './conv';
import type { Viewed } from './flat';
import { bnParams, heConv, type BnParams } from './params';
import { mixRows } from './permute';

export const NUM_STAGES = 4;
/** Stride of each stage's first conv. */
export const STAGE_STRIDES = [1, 2, 2, 2] as const;

/** One BasicBlock: conv3×3 → BN → ReLU → conv3×3 → BN, plus a (projected) shortcut, then ReLU. */
export interface BlockParams {
  /** `[3, 3, Cin, Cout]` (stride of the stage). */
  conv1: tf.Variable<tf.Rank.R4>;
  bn1: BnParams;
  /** `[3, 3, Cout, Cout]`. */
  conv2: tf.Variable<tf.Rank.R4>;
  bn2: BnParams;
  /** 1×1 projection `[1, 1, Cin, Cout]` + BN, where the stride or the width changes. */
  down?: { conv: tf.Variable<tf.Rank.R4>; bn: BnParams };
}

export interface ResNetParams {
  stem: { conv: tf.Variable<tf.Rank.R4>; bn: BnParams };
  /** The four stages, one block each. */
  blocks: BlockParams[];
}

/** Stage widths `[W, 2W, 4W, 8W]`. */
export function stageWidths(width: number): number[] {
  return [width, 2 * width, 4 * width, 8 * width];
}

/** Spatial size of a stage's output for an input of `size` px (stage 0 = the input). */
export function stageSize(size: number, stage: number): number {
  let s = size;
  for (let i = 0; i < stage; i++) s = Math.ceil(s / STAGE_STRIDES[i]);
  return s;
}

/**
 * Builds ResNet-mini parameters; draws every weight from `rng` in a fixed order.
 * @param inChannels 1 (grayscale) or 3 (RGB)
 * @param width base width W
 */
export function buildResNet(rng: Rng, inChannels: number, width: number): ResNetParams {
  const widths = stageWidths(width);
  const stem = { conv: heConv(rng, 3, 3, inChannels, width), bn: bnParams(width) };
  const blocks: BlockParams[] = [];
  let cin = width;
  for (let s = 0; s < NUM_STAGES; s++) {
    const cout = widths[s];
    const block: BlockParams = {
      conv1: heConv(rng, 3, 3, cin, cout),
      bn1: bnParams(cout),
      conv2: heConv(rng, 3, 3, cout, cout),
      bn2: bnParams(cout),
    };
    if (STAGE_STRIDES[s] !== 1 || cin !== cout)
      block.down = { conv: heConv(rng, 1, 1, cin, cout), bn: bnParams(cout) };
    blocks.push(block);
    cin = cout;
  }
  return { stem, blocks };
}

/** Mixing of hidden features after a stage (ManifoldMix): h ← λ·h + (1 − λ)·h[σ]. */
export interface FeatureMix {
  /** 0 = mix the input, k ∈ 1..4 = mix the output of stage k. */
  stage: number;
  /** σ, a permutation of 0..N−1. */
  perm: Int32Array;
  /** λ, weight of the un-shuffled sample. */
  lam: number;
}

export interface ResNetForwardOptions {
  /** Batch statistics (and recorded moving-stat updates) vs moving statistics. */
  training: boolean;
  /** Stop after this stage (1..4); pooled features are only computed when all four run. */
  stopAtStage?: number;
  /** Feature mixing after a stage (stage 0 = input). */
  mixAtStage?: FeatureMix;
  /** Where train-mode BN layers record their batch statistics. */
  bnUpdates?: BnRecord[];
}

export interface ResNetOutput {
  /** Outputs of the stages that ran: `[N, h_s, w_s, C_s]`, s = 1..stopAtStage. */
  stages: tf.Tensor4D[];
  /** GAP of stage 4, `[N, 8W]` (undefined when stopped early). */
  pooled?: tf.Tensor2D;
}

function basicBlock(
  x: tf.Tensor4D,
  p: BlockParams | Viewed<BlockParams>,
  stride: number,
  o: ResNetForwardOptions,
): tf.Tensor4D {
  const bn = { training: o.training, updates: o.bnUpdates };
  const h1 = tf.relu(batchNorm(conv2d(x, p.conv1, stride), p.bn1, bn)); // [N, h/s, w/s, Cout]
  const h2 = batchNorm(conv2d(h1, p.conv2, 1), p.bn2, bn); // [N, h/s, w/s, Cout]
  const sc = p.down ? batchNorm(conv2d(x, p.down.conv, stride), p.down.bn, bn) : x; // [N, h/s, w/s, Cout]
  return tf.relu(tf.add(h2, sc)) as tf.Tensor4D;
}

/**
 * ResNet-mini forward.
 * @param x images `[N, H, W, Cin]`, normalised
 * @returns stage outputs and, when all stages ran, pooled features `[N, 8W]`
 */
export function resnetForward(
  p: ResNetParams | Viewed<ResNetParams>,
  x: tf.Tensor4D,
  o: ResNetForwardOptions,
): ResNetOutput {
  const last = o.stopAtStage ?? NUM_STAGES;
  const bn = { training: o.training, updates: o.bnUpdates };
  const mix = o.mixAtStage;
  let h = mix?.stage === 0 ? mixRows(x, mix.perm, mix.lam) : x;
  h = tf.relu(batchNorm(conv2d(h, p.stem.conv, 1), p.stem.bn, bn)); // [N, H, W, W0]
  const stages: tf.Tensor4D[] = [];
  for (let s = 0; s < last; s++) {
    h = basicBlock(h, p.blocks[s], STAGE_STRIDES[s], o); // [N, h_s, w_s, C_s]
    if (mix?.stage === s + 1) h = mixRows(h, mix.perm, mix.lam);
    stages.push(h);
  }
  const pooled = last === NUM_STAGES ? (tf.mean(h, [1, 2]) as tf.Tensor2D) : undefined; // [N, 8W]
  return { stages, pooled };
}
