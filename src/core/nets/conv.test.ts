import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../lib/random';
import { conv2d, type ConvPad } from './conv';
import { withEngine, type ConvMode } from './engine';

type Case = { size: number; k: number; stride: number; pad: ConvPad; ci: number; co: number };

const CASES: Case[] = [
  { size: 28, k: 3, stride: 1, pad: 'same', ci: 1, co: 4 },
  { size: 28, k: 3, stride: 2, pad: 'same', ci: 3, co: 4 },
  { size: 14, k: 3, stride: 2, pad: 'same', ci: 4, co: 6 },
  { size: 7, k: 3, stride: 2, pad: 'same', ci: 4, co: 5 },
  { size: 7, k: 3, stride: 1, pad: 'same', ci: 3, co: 2 },
  { size: 14, k: 1, stride: 1, pad: 'same', ci: 4, co: 3 },
  { size: 7, k: 1, stride: 2, pad: 'same', ci: 4, co: 8 },
  { size: 7, k: 3, stride: 1, pad: 'valid', ci: 2, co: 3 },
  { size: 8, k: 3, stride: 2, pad: 'valid', ci: 2, co: 3 },
  { size: 8, k: 1, stride: 2, pad: 'same', ci: 3, co: 2 },
  { size: 32, k: 3, stride: 2, pad: 'same', ci: 2, co: 3 },
];

/** Loss Σ conv(x, w) ⊙ r with a fixed random r, and its gradients w.r.t. x and w, as host arrays. */
function grads(c: Case, xs: Float32Array, ws: Float32Array, rs: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, [2, c.size, c.size, c.ci]);
    const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
    const f = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const y = conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad);
      return tf.sum(tf.mul(y, tf.tensor(rs.subarray(0, y.size), y.shape)));
    };
    const [gx, gw] = tf.grads(f)([x, w]);
    return [gx.dataSync() as Float32Array, gw.dataSync() as Float32Array];
  });
}

function maxRel(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 1e-6;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

describe('conv2d (custom gradient for wasm/cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('matches native cpu gradients for strides 1/2, same/valid, 3×3 and 1×1, sizes 7/14/28', async () => {
    const rng = new Rng(3);
    for (const c of CASES) {
      const xs = rng.normalArray(2 * c.size * c.size * c.ci, 1);
      const ws = rng.normalArray(c.k * c.k * c.ci * c.co, 0.5);
      const rs = rng.normalArray(2 * c.size * c.size * c.co, 1);
      const inMode = (conv: ConvMode) => withEngine({ conv }, () => grads(c, xs, ws, rs));
      await tf.setBackend('cpu');
      const [gxRef, gwRef] = inMode('native');
      const results: Array<[string, Float32Array[]]> = [];
      for (const mode of ['corr', 'im2col'] as const) results.push([`cpu ${mode}`, inMode(mode)]);
      await tf.setBackend('wasm');
      for (const mode of ['corr', 'im2col'] as const) results.push([`wasm ${mode}`, inMode(mode)]);
      expect(gxRef.length).toBe(2 * c.size * c.size * c.ci);
      for (const [name, [gx, gw]] of results) {
        expect(maxRel(gx, gxRef), `dx ${name} ${JSON.stringify(c)}`).toBeLessThan(1e-3);
        expect(maxRel(gw, gwRef), `dW ${name} ${JSON.stringify(c)}`).toBeLessThan(1e-3);
      }
    }
  });

  it('gives a frozen (non-trainable) filter a zero gradient and still propagates to the input', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const w = tf.variable(tf.randomNormal([3, 3, 2, 2]), false);
      const x = tf.randomNormal([1, 5, 5, 2]);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(conv2d(a as tf.Tensor4D, b as tf.Tensor4D)),
      )([x, w]);
      expect(tf.max(tf.abs(gw)).arraySync()).toBe(0);
      expect(tf.max(tf.abs(gx)).arraySync()).toBeGreaterThan(0);
      w.dispose();
    });
  });

  it('does not leak tensors in forward + backward', () => {
    const x = tf.randomNormal([2, 7, 7, 3]) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([3, 3, 3, 4]));
    const run = (): void => {
      const { value, grads: g } = tf.variableGrads(
        () => tf.sum(conv2d(x, w as unknown as tf.Tensor4D, 2)),
        [w],
      );
      value.dispose();
      Object.values(g).forEach((t) => t.dispose());
    };
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    w.dispose();
  });
});
