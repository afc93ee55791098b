import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { applyBnUpdates, batchNorm, BN_EPSILON, type BnUpdate } from './batchNorm';
import { bnParams, disposeParams } from './params';

function manualBn(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const mean = tf.mean(x, axes);
  const variance = tf.mean(tf.square(tf.sub(x, mean)), axes);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPSILON))), g), b);
}

describe('batchNorm (PyTorch semantics)', () => {
  beforeAll(() => initTestBackend());

  it('normalises with batch statistics in training mode and moving statistics in inference mode', () => {
    const bn = bnParams(3);
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', 1), 3), 2);
      const y = batchNorm(x, bn, { training: true });
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      expect(tf.max(tf.abs(mean)).arraySync()).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(variance, 1))).arraySync()).toBeLessThan(1e-3);
      // Inference with moving mean 0, var 1: y = x / sqrt(1 + ε).
      const yi = batchNorm(x, bn, { training: false });
      expect(tf.max(tf.abs(tf.sub(yi, tf.div(x, Math.sqrt(1 + BN_EPSILON))))).arraySync()).toBeLessThan(1e-5);
    });
    disposeParams(bn);
  });

  it('updates moving stats as 0.9·old + 0.1·batch (unbiased variance), sequentially, only when asked', () => {
    const bn = bnParams(2);
    const updates: BnUpdate[] = [];
    const x = tf.tensor4d([1, 10, 3, 20, 5, 30, 7, 40], [2, 2, 1, 2]);
    tf.tidy(() => batchNorm(x, bn, { training: true }));
    expect(bn.movingMean.arraySync()).toEqual([0, 0]);
    tf.tidy(() => batchNorm(x, bn, { training: true, updates }));
    tf.tidy(() => batchNorm(x, bn, { training: true, updates }));
    const before = tf.memory().numTensors;
    applyBnUpdates(updates);
    expect(tf.memory().numTensors).toBe(before - 4);
    // batch mean [4, 25]; unbiased variance [20/3, 500/3]
    const m1 = [0.4, 2.5];
    const v1 = [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (500 / 3)];
    const m2 = m1.map((m, i) => 0.9 * m + 0.1 * [4, 25][i]);
    const v2 = v1.map((v, i) => 0.9 * v + 0.1 * [20 / 3, 500 / 3][i]);
    (bn.movingMean.arraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo(m2[i], 5));
    (bn.movingVar.arraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo(v2[i], 4));
    x.dispose();
    disposeParams(bn);
  });

  it('has the gradients of the textbook formula (rank 4 and rank 2)', () => {
    const bn = bnParams(3);
    tf.tidy(() => {
      bn.gamma.assign(tf.tensor1d([0.5, 1.5, -1]));
      bn.beta.assign(tf.tensor1d([0.1, 0, 0.3]));
      const rng = new Rng(1);
      for (const shape of [
        [3, 4, 4, 3],
        [10, 3],
      ]) {
        const n = shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(rng.normalArray(n, 2), shape);
        const r = tf.tensor(rng.normalArray(n, 1), shape);
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNorm(a, { ...bn, gamma: g, beta: b } as typeof bn, { training: true }), r));
        const ref = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(manualBn(a, g, b), r));
        const got = tf.grads(f)([x, bn.gamma, bn.beta]);
        const want = tf.grads(ref)([x, bn.gamma, bn.beta]);
        got.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, want[i]))).arraySync()).toBeLessThan(1e-4));
      }
    });
    disposeParams(bn);
  });
});
