/**
 * Label-free training, labelled monitoring: the weighted kNN classifier of the SSL literature
 * (Wu et al. 2018, "instance discrimination"; docs/ssl.md: cosine similarity, k = 200, τ = 0.1).
 * A test feature votes with its k most similar memory-bank features, each neighbour adding
 * exp(s/τ) to its class; the prediction is the class with the largest vote. Features are
 * L2-normalised, so the similarity is the cosine.
 */
import * as tf from '@tensorflow/tfjs';

export interface KnnOptions {
  /** Neighbours (clipped to the bank size). */
  k: number;
  /** Temperature τ of the vote weights exp(s/τ). */
  temperature: number;
  /** Number of classes. */
  classes: number;
}

/**
 * kNN predictions.
 * @param bank `[M, D]` L2-normalised memory-bank features
 * @param bankLabels `[M]` int32 labels of the bank
 * @param feats `[n, D]` L2-normalised query features
 * @returns `[n]` int32 predicted classes
 */
export function knnPredict(
  bank: tf.Tensor2D,
  bankLabels: tf.Tensor1D,
  feats: tf.Tensor2D,
  o: KnnOptions,
): tf.Tensor1D {
  return tf.tidy(() => {
    const k = Math.min(o.k, bank.shape[0]);
    const sims = tf.matMul(feats, bank, false, true); // [n, M]
    const { values, indices } = tf.topk(sims, k); // [n, k]
    const weights = tf.exp(tf.div(values, o.temperature)); // [n, k]
    const labels = tf.gather(bankLabels, indices); // [n, k]
    // int32 one-hot then cast (tfjs-backend-wasm ignores oneHot's dtype, see losses.ts)
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), o.classes), 'float32'); // [n, k, C]
    const votes = tf.sum(tf.mul(oneHot, tf.expandDims(weights, 2)), 1); // [n, C]
    return tf.cast(tf.argMax(votes, 1), 'int32') as tf.Tensor1D;
  });
}

/**
 * Number of correct kNN predictions as a scalar tensor (no readback).
 * @param labels `[n]` int32 true labels of `feats`
 */
export function knnCorrect(
  bank: tf.Tensor2D,
  bankLabels: tf.Tensor1D,
  feats: tf.Tensor2D,
  labels: tf.Tensor1D,
  o: KnnOptions,
): tf.Scalar {
  return tf.tidy(
    () =>
      tf.sum(
        tf.cast(tf.equal(knnPredict(bank, bankLabels, feats, o), tf.cast(labels, 'int32')), 'float32'),
      ) as tf.Scalar,
  );
}
