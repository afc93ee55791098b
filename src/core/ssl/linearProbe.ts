/**
 * Linear evaluation of a self-supervised encoder: softmax regression on FROZEN features (the encoder
 * is not touched), trained for a few epochs by SGD (momentum 0.9) on mini-batches, scored on the test features.
 * Features are standardised with the training features' mean and standard deviation, so one learning
 * rate fits every width. Data order comes from the caller's `Rng`; no other randomness (zero init).
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '../losses';
import { Sgd } from '../nets/sgd';
import type { Rng } from '../../lib/random';

export interface LinearProbeOptions {
  epochs: number;
  classes: number;
  /** Mini-batch size (default 256). */
  batch?: number;
  /** Learning rate (default 0.1; SGD with momentum 0.9). */
  lr?: number;
}

/**
 * @param trainF `[M, D]` frozen training features; @param trainY `[M]` int32 labels
 * @param testF `[n, D]` frozen test features; @param testY `[n]` int32 labels
 * @returns test accuracy of the probe in [0, 1]
 */
export async function linearProbe(
  trainF: tf.Tensor2D,
  trainY: tf.Tensor1D,
  testF: tf.Tensor2D,
  testY: tf.Tensor1D,
  rng: Rng,
  o: LinearProbeOptions,
): Promise<number> {
  const [m, d] = trainF.shape;
  const bs = Math.min(o.batch ?? 256, m);
  const { mean, variance } = tf.moments(trainF, 0);
  const std = tf.tidy(() => tf.sqrt(tf.add(variance, 1e-6)));
  const standardise = (f: tf.Tensor2D) => tf.div(tf.sub(f, mean), std) as tf.Tensor2D;
  const w = tf.tidy(() => tf.variable(tf.zeros([d, o.classes]), true));
  const b = tf.tidy(() => tf.variable(tf.zeros([o.classes]), true));
  const opt = new Sgd([w, b], { momentum: 0.9, weightDecay: 0 });
  const lr = o.lr ?? 0.1;
  try {
    const xs = tf.tidy(() => standardise(trainF));
    try {
      for (let e = 0; e < o.epochs; e++) {
        const order = rng.permutation(m);
        for (let s = 0; s + bs <= m; s += bs) {
          tf.tidy(() => {
            const idx = tf.tensor1d(order.subarray(s, s + bs), 'int32');
            const x = tf.gather(xs, idx);
            const y = tf.gather(trainY, idx);
            const { grads } = tf.variableGrads(
              () => crossEntropy(tf.add(tf.matMul(x, w), b) as tf.Tensor2D, y),
              [w, b],
            );
            opt.step(grads, lr);
          });
        }
      }
    } finally {
      xs.dispose();
    }
    const acc = tf.tidy(() => {
      const logits = tf.add(tf.matMul(standardise(testF), w), b);
      return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(testY, 'int32')), 'float32'));
    });
    const [v] = await acc.data();
    acc.dispose();
    return v;
  } finally {
    for (const t of [mean, variance, std, w, b]) t.dispose();
    opt.dispose();
  }
}
