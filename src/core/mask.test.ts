import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../testing/tf';
import { lamMarginFallback, maskAdjust, maskAdjustIfFar, maskLoss, maskLossParts, mixWithMask } from './mask';
import { Rng } from '../lib/random';

beforeAll(() => initTestBackend());

const near = (actual: number, expected: number, tol: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
};
const read = (t: tf.Tensor): number[] => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const scalar = (t: tf.Tensor): number => read(t)[0];
/** Per-sample means of ch0 = 1 − m. */
const ch0Means = (m: tf.Tensor4D): number[] => read(tf.tidy(() => tf.mean(tf.sub(1, m), [1, 2, 3])));

// A hand-computed case: channel-1 masks [[0.2, 0.4], [0.6, 0.8]] and [[0, 0], [1, 1]].
const HAND = [0.2, 0.4, 0.6, 0.8, 0, 0, 1, 1];
const hand = (): tf.Tensor4D => tf.tensor4d(HAND, [2, 2, 2, 1]);

describe('mixWithMask', () => {
  let x: tf.Tensor4D;
  beforeAll(() => {
    x = tf.tensor4d(
      Array.from({ length: 3 * 2 * 2 * 2 }, (_, i) => i * 0.5 - 3),
      [3, 2, 2, 2],
    );
  });
  const perm = new Int32Array([2, 0, 1]);
  const xs = (): tf.Tensor => tf.gather(x, tf.tensor1d(perm, 'int32'));

  it('m = 0 gives x, m = 1 gives x[σ] (host perm or int32 tensor)', () => {
    expect(read(mixWithMask(x, perm, tf.zeros([3, 2, 2, 1]) as tf.Tensor4D))).toEqual(read(x.clone()));
    expect(read(mixWithMask(x, tf.tensor1d(perm, 'int32'), tf.ones([3, 2, 2, 1]) as tf.Tensor4D))).toEqual(
      read(xs()),
    );
  });

  it('computes (1 − m)·x + m·x[σ] with m broadcast over channels', () => {
    const mVals = [0.1, 0.9, 0.5, 0.3, 0, 1, 0.25, 0.75, 0.6, 0.4, 0.2, 0.8];
    const out = read(mixWithMask(x, perm, tf.tensor4d(mVals, [3, 2, 2, 1])));
    const xv = Array.from(x.dataSync());
    const sv = read(xs());
    for (let i = 0; i < out.length; i++) {
      const m = mVals[Math.floor(i / 2)];
      near(out[i], (1 - m) * xv[i] + m * sv[i], 1e-6);
    }
  });

  it('accepts [N, 1, 1, 1], scalar and number masks on feature maps of any size', () => {
    const feat = tf.tensor4d(
      Array.from({ length: 2 * 3 * 1 * 4 }, (_, i) => Math.sin(i)),
      [2, 3, 1, 4],
    );
    const p = new Int32Array([1, 0]);
    const a = read(mixWithMask(feat, p, tf.tensor4d([0.25, 0.25], [2, 1, 1, 1])));
    const b = read(mixWithMask(feat, p, tf.scalar(0.25)));
    const c = read(mixWithMask(feat, p, 0.25));
    const fv = Array.from(feat.dataSync());
    for (let i = 0; i < a.length; i++) {
      const j = (i + 12) % 24; // the other sample, same position
      near(a[i], 0.75 * fv[i] + 0.25 * fv[j], 1e-6);
      expect(b[i]).toBe(a[i]);
      expect(c[i]).toBe(a[i]);
    }
    feat.dispose();
  });

  it('leaks no tensors and does not dispose its inputs', () => {
    const m = tf.fill([3, 2, 2, 1], 0.3) as tf.Tensor4D;
    expectNoLeak(() => mixWithMask(x, perm, m));
    expect(x.isDisposed || m.isDisposed).toBe(false);
    m.dispose();
  });
});

describe('mask loss (docs/method.md)', () => {
  it('hand case: m̄ = 0.5, L1 = 0.1, Var = 0.15, L1 − 2Var = −0.2, L1 alone 0.1, margin 0 → 0.2', () => {
    const m = hand();
    const p = maskLossParts(m, 0.3, 0.1);
    near(scalar(p.l1), 0.1, 1e-6);
    near(scalar(p.variance), 0.15, 1e-6);
    near(scalar(maskLoss(m, 0.3, { mode: 'l1+var', margin: 0.1 })), -0.2, 1e-6);
    near(0.1 * scalar(maskLoss(m, 0.3, { mode: 'l1+var', margin: 0.1 })), -0.02, 1e-7);
    near(scalar(maskLoss(m, 0.3, { mode: 'l1', margin: 0.1 })), 0.1, 1e-6);
    near(scalar(maskLoss(m, 0.3, { mode: 'l1', margin: 0 })), 0.2, 1e-6);
    m.dispose();
  });

  it('L1 is zero inside the band and symmetric around λ', () => {
    const m = hand(); // mean(ch0) = 0.5
    near(scalar(maskLoss(m, 0.45, { mode: 'l1', margin: 0.1 })), 0, 0);
    near(scalar(maskLoss(m, 0.7, { mode: 'l1', margin: 0.1 })), 0.1, 1e-6);
    m.dispose();
  });

  it('uses the batch-global mean: per-sample deviations that cancel give L1 = 0', () => {
    // sample 0: mean(ch0) = 0.1, sample 1: mean(ch0) = 0.5; per-sample L1 would be 0.1 each.
    const m = tf.tensor4d([0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5], [2, 2, 2, 1]);
    near(scalar(maskLoss(m, 0.3, { mode: 'l1', margin: 0.1 })), 0, 1e-7);
    // Changing sample 1 alone moves the term for the whole batch, and its gradient reaches sample 0.
    const m2 = tf.tensor4d([0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1], [2, 2, 2, 1]);
    near(scalar(maskLoss(m2, 0.3, { mode: 'l1', margin: 0.1 })), 0.1, 1e-6);
    const g = read(
      tf.grad((t: tf.Tensor) => maskLoss(t as tf.Tensor4D, 0.3, { mode: 'l1', margin: 0.1 }))(m2),
    );
    for (const v of g) near(v, -1 / 8, 1e-7);
    tf.dispose([m, m2]);
  });

  it('leaks no tensors', () => {
    const m = hand();
    expectNoLeak(() => maskLossParts(m, 0.3, 0.1));
    expectNoLeak(() => maskLoss(m, 0.3, { mode: 'l1+var', margin: 0.1 }));
    expectNoLeak(() => maskLoss(m, 0.3, { mode: 'l1', margin: 0.1 }));
    m.dispose();
  });
});

describe('mask loss drives free mask logits', () => {
  /** Plain gradient descent on logits z, m = sigmoid(z); returns the final m values. */
  function descend(
    init: number[],
    lam: number,
    mode: 'l1' | 'l1+var',
    margin: number,
    steps: number,
    lr: (t: number) => number,
  ) {
    const z = tf.variable(tf.tensor4d(init, [2, 4, 4, 1]));
    const f = (): tf.Scalar => maskLoss(tf.sigmoid(z) as tf.Tensor4D, lam, { mode, margin });
    let lastGrad: number[] = [];
    for (let t = 0; t < steps; t++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(f, [z]);
        if (t === steps - 1) lastGrad = Array.from(grads[z.name].dataSync());
        z.assign(tf.sub(z, tf.mul(lr(t), grads[z.name])));
      });
    }
    const m = tf.tidy(() => tf.sigmoid(z));
    const values = read(m);
    z.dispose();
    const meanCh0 = 1 - values.reduce((s, v) => s + v, 0) / values.length;
    return { values, lastGrad, meanCh0 };
  }

  it('L1 only: the mean of ch0 enters [λ − ε, λ + ε] and stops (zero gradient)', () => {
    const init = new Array(32).fill(2); // mean(ch0) ≈ 0.12, far below λ − ε
    const r = descend(init, 0.6, 'l1', 0.1, 60, () => 20);
    expect(r.meanCh0).toBeGreaterThanOrEqual(0.5);
    expect(r.meanCh0).toBeLessThanOrEqual(0.7);
    expect(r.lastGrad.every((g) => g === 0)).toBe(true);
    const again = descend(init, 0.6, 'l1', 0.1, 120, () => 20);
    near(again.meanCh0, r.meanCh0, 1e-6); // once inside the band nothing moves any more
  });

  it('L1 with margin 0 converges to λ', () => {
    const init = new Array(32).fill(2);
    const r = descend(init, 0.6, 'l1', 0, 400, (t) => 20 * 0.985 ** t);
    near(r.meanCh0, 0.6, 5e-4);
  });

  it('L1 − 2·Var pushes values towards {0, 1} while the mean stays in the band', () => {
    const rng = new Rng(3);
    const init = Array.from({ length: 32 }, () => 0.5 * rng.normal());
    const start = init.map((v) => 1 / (1 + Math.exp(-v)));
    const r = descend(init, 0.5, 'l1+var', 0.1, 300, () => 20);
    const spread = (vals: number[]): number => vals.reduce((s, v) => s + Math.abs(v - 0.5), 0) / vals.length;
    expect(spread(start)).toBeLessThan(0.15);
    expect(spread(r.values)).toBeGreaterThan(0.45);
    expect(r.meanCh0).toBeGreaterThanOrEqual(0.4 - 0.02);
    expect(r.meanCh0).toBeLessThanOrEqual(0.6 + 0.02);
  });
});

describe('lamMarginFallback (docs/method.md)', () => {
  it('λ_bb = 0.05 or 0.95 gives a constant mask with ch0 ≡ λ_bb', () => {
    const m = hand();
    for (const lam of [0.05, 0.95, 0.08, 0.92]) {
      const out = lamMarginFallback(m, lam, 0.08);
      expect(out.shape).toEqual([2, 2, 2, 1]);
      for (const v of read(out)) near(1 - v, lam, 1e-7);
    }
    m.dispose();
  });

  it('inside the margin returns a new handle with the same values; m stays alive', () => {
    const m = hand();
    const out = lamMarginFallback(m, 0.5, 0.08);
    expect(out).not.toBe(m);
    expect(read(out)).toEqual(Array.from(m.dataSync()));
    expect(m.isDisposed).toBe(false);
    expect(read(lamMarginFallback(m, 0.01, -1))).toEqual(Array.from(m.dataSync())); // margin < 0: never
    expectNoLeak(() => lamMarginFallback(m, 0.5, 0.08));
    expectNoLeak(() => lamMarginFallback(m, 0.02, 0.08));
    m.dispose();
  });
});

describe('maskAdjust (docs/method.md)', () => {
  it('reproduces the hand-computed rescaling in both branches', () => {
    const m = tf.tensor4d([0.2, 0.4, 0.6, 0.8], [1, 2, 2, 1]); // ch0 = [0.8, 0.6, 0.4, 0.2], μ = 0.5
    // μ > λ = 0.3: ch0 ← ch0·0.3/0.5
    read(maskAdjust(m, 0.3)).forEach((v, i) => near(v, [0.52, 0.64, 0.76, 0.88][i], 1e-6));
    // μ < λ = 0.7: m ← m·0.3/0.5
    read(maskAdjust(m, 0.7)).forEach((v, i) => near(v, [0.12, 0.24, 0.36, 0.48][i], 1e-6));
    m.dispose();
  });

  it('per-sample mean(ch0) = λ afterwards, values in [0, 1], exact samples untouched', () => {
    const rng = new Rng(11);
    const n = 4;
    const hw = 16;
    const vals: number[] = [];
    for (let s = 0; s < n - 1; s++) {
      const bias = [-1.5, 0, 2][s]; // means well below, near and above λ
      for (let i = 0; i < hw; i++) vals.push(1 / (1 + Math.exp(-(bias + rng.normal()))));
    }
    for (let i = 0; i < hw; i++) vals.push(0.5); // mean(ch0) = 0.5 = λ exactly
    const m = tf.tensor4d(vals, [n, 4, 4, 1]);
    for (const lam of [0.5, 0.2, 0.83]) {
      const out = maskAdjust(m, lam);
      const outVals = Array.from(out.dataSync());
      for (const v of outVals) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
      for (const mu of ch0Means(out)) near(mu, lam, 1e-6);
      if (lam === 0.5) expect(outVals.slice(3 * hw)).toEqual(vals.slice(3 * hw).map(Math.fround));
      out.dispose();
    }
    expectNoLeak(() => maskAdjust(m, 0.3));
    m.dispose();
  });

  it('maskAdjustIfFar rescales only samples farther than the margin', () => {
    // sample 0: mean(ch0) = 0.35 (within 0.1 of λ = 0.3), sample 1: mean(ch0) = 0.6 (far)
    const m = tf.tensor4d([0.65, 0.65, 0.65, 0.65, 0.4, 0.4, 0.4, 0.4], [2, 2, 2, 1]);
    const out = maskAdjustIfFar(m, 0.3, 0.1);
    const v = Array.from(out.dataSync());
    expect(v.slice(0, 4)).toEqual([0.65, 0.65, 0.65, 0.65].map(Math.fround));
    const mus = ch0Means(out);
    near(mus[0], 0.35, 1e-6);
    near(mus[1], 0.3, 1e-6);
    expectNoLeak(() => maskAdjustIfFar(m, 0.3, 0.1));
    tf.dispose([m, out]);
  });
});
