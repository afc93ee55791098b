/**
 * ManifoldMix (Verma et al., "Manifold Mixup: Better Representations by Interpolating Hidden
 * States", ICML 2019; OpenMixup `classifiers/mixup_classification.py` `_manifoldmix` and
 * `backbones/resnet_mmcls.py` `ResNet_Mix_CIFAR`; docs/method.md): pick a layer l ∈ {0, 1, 2} uniformly;
 * l = 0 mixes the input images (= Mixup), l = k ≥ 1 mixes the output of residual stage k with
 * h ← λ·h + (1 − λ)·h[σ], then the forward continues. The trainer owns the forward pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';
import type { MixMethod } from './types';

/** The mixing layer: 0 = input, k = output of residual stage k; uniform over {0, 1, 2}. */
export function pickManifoldLayer(rng: Rng): 0 | 1 | 2 {
  return rng.int(3) as 0 | 1 | 2;
}

/**
 * h̃ = λ·h + (1 − λ)·h[σ] along the batch axis.
 * @param h `[N, ...]` features (any rank; images for layer 0)
 * @param perm σ, `[N]` int32 tensor or host Int32Array
 * @returns same shape as h
 */
export function mixFeatures<T extends tf.Tensor>(h: T, perm: tf.Tensor1D | Int32Array, lam: number): T {
  return tf.tidy(() => {
    const p = perm instanceof tf.Tensor ? perm : tf.tensor1d(perm, 'int32');
    return tf.add(tf.mul(lam, h), tf.mul(1 - lam, tf.gather(h, p))) as T;
  });
}

export const manifoldmix: MixMethod = {
  name: 'manifoldmix',
  label: 'ManifoldMix',
  kind: 'feature',
  description: 'Blends hidden features of a random layer (input, stage 1 or stage 2) like Mixup.',
};
