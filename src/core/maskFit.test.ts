import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../testing/tf';
import { fitLogits, fitLogitsGrad, fitMaskMean, fitShift } from './maskFit';
import { withEngine, type FusedGraph } from './nets/engine';
import { Rng } from '../lib/random';

/** Masks with per-sample levels and spatial contrast: sigmoid of N(μ_n, s²) logits, `[3, 8, 8, 1]`. */
function masks(seed: number, spread = 3, levels = [-2, 0.5, 4]): tf.Tensor4D {
  const rng = new Rng(seed);
  const vals = Array.from({ length: 3 * 64 }, (_, i) => levels[Math.floor(i / 64)] + spread * rng.normal());
  return tf.sigmoid(tf.tensor4d(vals, [3, 8, 8, 1])) as tf.Tensor4D;
}

const means = (m: tf.Tensor4D): number[] => tf.tidy(() => Array.from(tf.mean(m, [1, 2, 3]).dataSync()));
const logit = (m: tf.Tensor): tf.Tensor => tf.sub(tf.log(m), tf.log1p(tf.neg(m)));

describe('fitMaskMean (λ-exact masks)', () => {
  beforeAll(() => initTestBackend());

  it('gives every sample the target mean, whatever its level', () => {
    const m = masks(1);
    for (const t of [0.08, 0.3, 0.5, 0.77, 0.92]) {
      const fitted = fitMaskMean(m, t);
      means(fitted).forEach((v) => expect(v).toBeCloseTo(t, 5));
      fitted.dispose();
    }
    m.dispose();
  });

  it('only shifts the logits: the layout and the sharpness stay', () => {
    const m = masks(2);
    const fitted = fitMaskMean(m, 0.3);
    // logit(m') − logit(m) is one number per sample.
    const spread = tf.tidy(() =>
      Array.from(tf.moments(tf.sub(logit(fitted), logit(m)), [1, 2, 3]).variance.dataSync()),
    );
    spread.forEach((v) => expect(Math.sqrt(v)).toBeLessThan(1e-3));
    // A spatially constant mask becomes the constant t (the Mixup mask).
    const flat = fitMaskMean(tf.fill([2, 4, 4, 1], 0.9) as tf.Tensor4D, 0.35);
    const [lo, hi] = [tf.min(flat).dataSync()[0], tf.max(flat).dataSync()[0]];
    expect(lo).toBeCloseTo(0.35, 5);
    expect(hi).toBeCloseTo(0.35, 5);
    tf.dispose([m, fitted, flat]);
  });

  it('has the implicit gradient: finite differences agree, and the mean cannot be moved', () => {
    const m = masks(3, 0.7, [-1, 0.2, 1]); // away from 0 and 1, where a finite step stays inside (0, 1)
    const w = tf.randomNormal([3, 8, 8, 1], 0, 1, 'float32', 4);
    const loss = (x: tf.Tensor) => tf.sum(tf.mul(fitMaskMean(x as tf.Tensor4D, 0.3), w)) as tf.Scalar;
    const g = tf.grad(loss)(m);
    const base = m.arraySync();
    const grad = g.arraySync() as number[][][][];
    for (const [n, i, j] of [
      [0, 1, 2],
      [1, 3, 3],
      [2, 7, 0],
      [1, 0, 6],
    ]) {
      const e = 4e-3; // float32: the loss sums 192 terms
      const at = (d: number) => {
        const x = structuredClone(base);
        x[n][i][j][0] += d;
        return tf.tidy(() => loss(tf.tensor4d(x)).dataSync()[0]);
      };
      const fd = (at(e) - at(-e)) / (2 * e);
      expect(Math.abs(fd - grad[n][i][j][0])).toBeLessThan(5e-3 * Math.max(1, Math.abs(fd)));
    }
    // Σ of the fitted mask is fixed, so its gradient is zero everywhere.
    const gSum = tf.grad((x: tf.Tensor) => tf.sum(fitMaskMean(x as tf.Tensor4D, 0.6)))(m);
    expect(tf.max(tf.abs(gSum)).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([m, w, g, gSum]);
  });

  it('refuses a target outside (0, 1) and leaks nothing', () => {
    const m = masks(5);
    expect(() => fitMaskMean(m, 1)).toThrow(/target mean must be in \(0, 1\); got 1/);
    expect(() => fitMaskMean(m, 0)).toThrow(RangeError);
    expectNoLeak(() => fitMaskMean(m, 0.4));
    expectNoLeak(() => tf.grad((x: tf.Tensor) => tf.sum(tf.square(fitMaskMean(x as tf.Tensor4D, 0.4))))(m));
    m.dispose();
  });
});

/** Logit maps like the Mixer's: an 8×8 map of spread `scale` around `level`, upsampled bilinearly to 32×32. */
function mixerLogits(seed: number, scale: number, level: number, n = 4): tf.Tensor4D {
  const rng = new Rng(seed);
  const vals = Array.from({ length: n * 64 }, () => level + scale * rng.normal());
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(vals, [n, 8, 8, 1]), [32, 32], false, true));
}

describe.each<FusedGraph>(['cpu', 'gpu'])('fitLogits on the %s graph', (graph) => {
  beforeAll(() => initTestBackend());

  it('hits every target mean to 1e-4 whatever the sharpness and level of the logits', () => {
    withEngine({ graph }, () => {
      let worst = 0;
      for (const [scale, level] of [
        [0.05, 0],
        [1, -3],
        [5, 2],
        [20, 0],
        [40, -10],
      ]) {
        const u = mixerLogits(Math.round(scale * 10 + level), scale, level);
        for (const t of [0.0001, 0.08, 0.35, 0.5, 0.91, 0.9999]) {
          const m = fitLogits(u, t);
          for (const v of means(m)) worst = Math.max(worst, Math.abs(v - t));
          m.dispose();
        }
        u.dispose();
      }
      expect(worst).toBeLessThan(1e-4);
    });
  });

  it('agrees with the other graph on the shift, and fits one target per sample', () => {
    const u = mixerLogits(9, 3, 1);
    const targets = [0.2, 0.5, 0.7, 0.95];
    const mine = withEngine({ graph }, () => fitShift(u, targets));
    const other = withEngine({ graph: graph === 'gpu' ? 'cpu' : 'gpu' }, () => fitShift(u, targets));
    expect(tf.max(tf.abs(tf.sub(mine, other))).dataSync()[0]).toBeLessThan(2e-3);
    const m = tf.sigmoid(tf.add(u, mine)) as tf.Tensor4D;
    means(m).forEach((v, i) => expect(v).toBeCloseTo(targets[i], 4));
    tf.dispose([u, mine, other, m]);
  });
});

describe('fitLogitsGrad', () => {
  beforeAll(() => initTestBackend());

  it('is the gradient of a loss of the fitted mask w.r.t. the logits (finite differences)', () => {
    const u = mixerLogits(11, 1.5, 0.3, 2);
    const w = tf.randomNormal(u.shape, 0, 1, 'float32', 12);
    const loss = (x: tf.Tensor4D) => tf.tidy(() => tf.sum(tf.mul(fitLogits(x, [0.3, 0.6]), w)).dataSync()[0]);
    const m = fitLogits(u, [0.3, 0.6]);
    const g = fitLogitsGrad(m, w as tf.Tensor4D).arraySync();
    const base = u.arraySync();
    for (const [n, i, j] of [
      [0, 3, 4],
      [1, 17, 30],
      [0, 31, 0],
    ]) {
      const e = 2e-2;
      const at = (d: number) => {
        const x = structuredClone(base);
        x[n][i][j][0] += d;
        return loss(tf.tensor4d(x));
      };
      const fd = (at(e) - at(-e)) / (2 * e);
      expect(Math.abs(fd - g[n][i][j][0])).toBeLessThan(3e-3 * Math.max(1, Math.abs(fd)));
    }
    tf.dispose([u, w, m]);
  });
});
