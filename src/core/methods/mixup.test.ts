import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { mixupCE } from '../losses';
import { mixWithMask } from '../mask';
import { Rng } from '../../lib/random';
import { mixupMask } from './mixup';

beforeAll(() => initTestBackend());

describe('Mixup (docs/method.md)', () => {
  it('mask m ≡ 1 − λ gives x̃ = λx + (1 − λ)x[σ] elementwise', () => {
    const rng = new Rng(21);
    const x = tf.tensor4d(rng.normalArray(4 * 3 * 3 * 2, 1), [4, 3, 3, 2]);
    const perm = rng.permutation(4);
    const lam = 0.37;
    const r = mixupMask({ x, perm, lam, rng });
    expect(r.lam).toBe(lam);
    expect(r.m.shape).toEqual([4, 3, 3, 1]);
    for (const v of r.m.dataSync()) expect(v).toBe(Math.fround(1 - lam));
    const mixed = Array.from(mixWithMask(x, perm, r.m).dataSync());
    const xv = x.arraySync();
    const flat = (n: number): number[] => (xv[n] as number[][][]).flat(2);
    for (let n = 0; n < 4; n++) {
      const a = flat(n);
      const b = flat(perm[n]);
      a.forEach((v, i) =>
        expect(Math.abs(mixed[n * 18 + i] - (lam * v + (1 - lam) * b[i]))).toBeLessThan(1e-6),
      );
    }
    tf.dispose([x, r.m]);
  });

  it('the label loss equals the soft-target CE with λ·onehot(y) + (1 − λ)·onehot(y[σ])', () => {
    const logits = tf.tensor2d([
      [1.2, -0.4, 0.3],
      [0.1, 2.2, -1.0],
      [-0.5, 0.0, 0.9],
    ]);
    const y = [2, 0, 1];
    const perm = [1, 2, 0];
    const lam = 0.62;
    const ya = tf.tensor1d(y, 'int32');
    const yb = tf.tensor1d(
      perm.map((p) => y[p]),
      'int32',
    );
    const got = mixupCE(logits, ya, yb, lam).dataSync()[0];
    const z = logits.arraySync();
    let want = 0;
    z.forEach((row, n) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      const target = [0, 0, 0];
      target[y[n]] += lam;
      target[y[perm[n]]] += 1 - lam;
      want += target.reduce((s, t, c) => s - t * (row[c] - lse), 0) / 3;
    });
    expect(Math.abs(got - want)).toBeLessThan(1e-6);
    tf.dispose([logits, ya, yb]);
  });
});
