import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { batchMatMul, depthwise1x1, fusedBatchNorm, splitVector } from './kernels';

describe('single-kernel helpers', () => {
  beforeAll(() => initTestBackend());

  it('splitVector cuts a vector like tf.split (also inside a gradient tape)', () => {
    tf.tidy(() => {
      const x = tf.range(0, 50, 1, 'float32') as tf.Tensor1D;
      const sizes = [7, 1, 30, 12];
      const got = splitVector(x, sizes);
      const want = tf.split(x, sizes);
      got.forEach((g, i) => expect(Array.from(g.dataSync())).toEqual(Array.from(want[i].dataSync())));
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(splitVector(v as tf.Tensor1D, sizes)[2], 2)))(x);
      expect(grad.dataSync()[10]).toBe(2);
      expect(grad.dataSync()[0]).toBe(0);
    });
  });

  it('depthwise1x1 is act(x·scale + bias) per channel; fusedBatchNorm and batchMatMul are the plain ops', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 1) as tf.Tensor4D;
      const a = tf.tensor1d([1, -2, 0.5, 3]);
      const b = tf.tensor1d([0.1, 0.2, -0.3, 0]);
      const close = (p: tf.Tensor, q: tf.Tensor) =>
        expect(tf.max(tf.abs(tf.sub(p, q))).arraySync()).toBeLessThan(1e-5);
      close(depthwise1x1(x, a, b, 'relu'), tf.relu(tf.add(tf.mul(x, a), b)));
      close(depthwise1x1(x, a, undefined, 'linear'), tf.mul(x, a));
      const v = tf.tensor1d([1, 2, 3, 4]);
      close(fusedBatchNorm(x, b, v, a, undefined, 1e-5), tf.batchNorm(x, b, v, a, undefined, 1e-5));
      const p = tf.randomNormal([2, 3, 4]) as tf.Tensor3D;
      const q = tf.randomNormal([2, 3, 5]) as tf.Tensor3D;
      close(batchMatMul(p, q, true, false), tf.matMul(p, q, true, false));
    });
  });
});
