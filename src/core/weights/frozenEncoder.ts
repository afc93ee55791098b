/**
 * The frozen encoder of SAMix^P with its BatchNorm folded into the convolutions. In inference mode a
 * BN layer is a fixed per-channel affine map, so conv → BN becomes ONE convolution with bias:
 *   w' = w·γ/√(σ²+ε) (per output channel),  b' = β − μ·γ/√(σ²+ε)
 * and conv → BN → ReLU one fused conv kernel. The forward to the Mixer's stage then costs a
 * convolution per conv layer plus an add and a ReLU per block — no element-wise BN ops, which are
 * the slow kernels on wasm (nets/fused.ts) — and gives the values of `resnetForward` in inference
 * mode (up to float rounding; tested in mixerBundle.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_EPSILON } from '../nets/batchNorm';
import type { BnParams } from '../nets/params';
import { STAGE_STRIDES, type ResNetParams } from '../nets/resnet';

interface FoldedConv {
  w: tf.Tensor4D;
  b: tf.Tensor1D;
}

interface FoldedBlock {
  stride: number;
  c1: FoldedConv;
  c2: FoldedConv;
  down?: FoldedConv;
}

export interface FoldedEncoder {
  stem: FoldedConv;
  /** Stages 1..l. */
  blocks: FoldedBlock[];
}

function fold(w: tf.Tensor, bn: BnParams): FoldedConv {
  return tf.tidy(() => {
    const scale = tf.div(bn.gamma, tf.sqrt(tf.add(bn.movingVar, BN_EPSILON))); // [Co]
    return {
      w: tf.mul(w, scale) as tf.Tensor4D,
      b: tf.sub(bn.beta, tf.mul(bn.movingMean, scale)) as tf.Tensor1D,
    };
  });
}

/** Folds the stem and stages 1..`stages` (new tensors; the source tree stays the caller's). */
export function foldEncoder(enc: ResNetParams, stages: number): FoldedEncoder {
  return {
    stem: fold(enc.stem.conv, enc.stem.bn),
    blocks: enc.blocks.slice(0, stages).map((p, s) => ({
      stride: STAGE_STRIDES[s],
      c1: fold(p.conv1, p.bn1),
      c2: fold(p.conv2, p.bn2),
      down: p.down ? fold(p.down.conv, p.down.bn) : undefined,
    })),
  };
}

function conv(x: tf.Tensor4D, c: FoldedConv, stride: number, relu: boolean): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: c.w,
    strides: stride,
    pad: 'same',
    bias: c.b,
    activation: relu ? 'relu' : 'linear',
  });
}

/** Output of the last folded stage for normalised images `[N, H, W, C]` (inference). */
export function foldedForward(f: FoldedEncoder, x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let h = conv(x, f.stem, 1, true);
    for (const b of f.blocks) {
      const h1 = conv(h, b.c1, b.stride, true);
      const h2 = conv(h1, b.c2, 1, false);
      const sc = b.down ? conv(h, b.down, b.stride, false) : h;
      h = tf.relu(tf.add(h2, sc)) as tf.Tensor4D;
    }
    return h;
  });
}

export function disposeFolded(f: FoldedEncoder): void {
  for (const c of [f.stem, ...f.blocks.flatMap((b) => [b.c1, b.c2, ...(b.down ? [b.down] : [])])]) {
    c.w.dispose();
    c.b.dispose();
  }
}
