/**
 * Linear classifier heads (GAP → FC) on the last encoder stage (docs/method.md): `mix` is trained on mixed
 * batches with the mixup CE, `one` on clean images with the one-hot CE. OpenMixup initialises them
 * N(0, 0.01²), bias 0.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';
import type { Viewed } from './flat';
import { denseParams, type DenseParams } from './params';

export interface HeadsParams {
  /** g^mix: `[C_last, classes]`. */
  mix: DenseParams;
  /** g^one: `[C_last, classes]`. */
  one: DenseParams;
}

/** Both heads for `features` input channels and `classes` outputs (`mix` drawn first). */
export function buildHeads(rng: Rng, features: number, classes: number): HeadsParams {
  const mix = denseParams(rng, features, classes);
  const one = denseParams(rng, features, classes);
  return { mix, one };
}

/**
 * One linear head.
 * @param features pooled features `[N, C]`, or a feature map `[N, h, w, C]` (pooled here)
 * @returns logits `[N, classes]`
 */
export function linearHead(
  head: DenseParams | Viewed<DenseParams>,
  features: tf.Tensor2D | tf.Tensor4D,
): tf.Tensor2D {
  const pooled = features.rank === 4 ? (tf.mean(features, [1, 2]) as tf.Tensor2D) : (features as tf.Tensor2D); // [N, C]
  return tf.fused.matMul({ a: pooled, b: head.w, bias: head.b }) as tf.Tensor2D; // [N, classes]
}
