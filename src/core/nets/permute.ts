/**
 * Batch-axis permutation h[σ] with a gradient that works on every backend.
 *
 * `tf.gather`'s gradient needs `UnsortedSegmentSum`, which TF.js 4.22's wasm backend lacks. A
 * permutation is a bijection, so the gradient of y = h[σ] is just dy[σ⁻¹] — another gather. This is
 * what ManifoldMix needs when it mixes hidden features that depend on trainable weights.
 */
import * as tf from '@tensorflow/tfjs';

/** σ⁻¹ with σ⁻¹[σ[i]] = i. */
export function inversePermutation(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}

/**
 * y = h[σ] along axis 0, differentiable on wasm.
 * @param h `[N, ...]`
 * @param perm σ, a permutation of 0..N−1
 * @returns `[N, ...]` with y[i] = h[σ[i]]
 */
export function permuteRows<T extends tf.Tensor>(h: T, perm: Int32Array): T {
  const inv = inversePermutation(perm);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.gather(x, tf.tensor1d(perm, 'int32')),
      gradFunc: (dy: tf.Tensor) => tf.gather(dy, tf.tensor1d(inv, 'int32')),
    };
  });
  return op(h) as T;
}

/**
 * Feature mixing of ManifoldMix (docs/method.md): λ·h + (1 − λ)·h[σ], differentiable on wasm.
 * Same values as `mixFeatures` in methods/manifoldmix.ts.
 * @param h `[N, ...]`
 * @returns same shape as h
 */
export function mixRows<T extends tf.Tensor>(h: T, perm: Int32Array, lam: number): T {
  return tf.add(tf.mul(h, lam), tf.mul(permuteRows(h, perm), 1 - lam)) as T;
}
