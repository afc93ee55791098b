import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../../testing/tf';
import { mixWithMask } from '../mask';
import { Rng } from '../../lib/random';
import { mixFeatures, pickManifoldLayer } from './manifoldmix';
import { mixupMask } from './mixup';

beforeAll(() => initTestBackend());

describe('ManifoldMix (docs/method.md)', () => {
  it('layer 0 (the input) equals Mixup on the input', () => {
    const rng = new Rng(8);
    const x = tf.tensor4d(rng.normalArray(3 * 4 * 4 * 3, 1), [3, 4, 4, 3]);
    const perm = rng.permutation(3);
    const lam = 0.71;
    const viaFeatures = Array.from(mixFeatures(x, perm, lam).dataSync());
    const m = mixupMask({ x, perm, lam, rng }).m;
    const viaMixup = Array.from(mixWithMask(x, perm, m).dataSync());
    viaFeatures.forEach((v, i) => expect(Math.abs(v - viaMixup[i])).toBeLessThan(1e-6));
    tf.dispose([x, m]);
  });

  it('mixes features of any rank along the batch axis', () => {
    const h = tf.tensor2d([
      [1, 2],
      [10, 20],
    ]);
    const out = mixFeatures(h, tf.tensor1d([1, 0], 'int32'), 0.25);
    expect(out.shape).toEqual([2, 2]);
    Array.from(out.dataSync()).forEach((v, i) =>
      expect(Math.abs(v - [7.75, 15.5, 3.25, 6.5][i])).toBeLessThan(1e-6),
    );
    expectNoLeak(() => mixFeatures(h, new Int32Array([1, 0]), 0.4));
    tf.dispose([h, out]);
  });

  it('picks the layer uniformly from {0, 1, 2}, deterministically per seed', () => {
    const rng = new Rng(4);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[pickManifoldLayer(rng)]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(100);
    const a = new Rng(9);
    const b = new Rng(9);
    for (let i = 0; i < 20; i++) expect(pickManifoldLayer(a)).toBe(pickManifoldLayer(b));
  });
});
