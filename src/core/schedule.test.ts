import { describe, expect, it } from 'vitest';
import { Rng } from '../lib/random';
import { cosineLr, lamRescale, momentumAt } from './schedule';

const near = (actual: number, expected: number, tol: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
};

describe('lamRescale (docs/method.md)', () => {
  it('reproduces the λ-rescale table to its 4 printed decimals', () => {
    const lams = [0.1, 0.25, 0.5, 0.75, 0.9];
    const table: Record<number, number[]> = {
      0: [0.244, 0.4375, 0.5, 0.5625, 0.756],
      0.25: [0.1823, 0.3571, 0.5, 0.6429, 0.8177],
      0.5: [0.1576, 0.325, 0.5, 0.675, 0.8424],
      1: [0.136, 0.2969, 0.5, 0.7031, 0.864],
    };
    for (const [k, row] of Object.entries(table)) {
      row.forEach((v, c) => near(lamRescale(lams[c], Number(k)), v, 5e-5));
    }
  });

  it('matches exact rational values', () => {
    near(lamRescale(0.25, 0.25), 5 / 14, 1e-12); // (1/48 − 1/8 + 5/16) / (7/12)
    near(lamRescale(0.1, 0.25), 0.10633333333333334 / (7 / 12), 1e-12);
    near(lamRescale(0.25, 0), 0.4375, 1e-12);
    near(lamRescale(0.25, 1), 0.296875, 1e-12);
  });

  it('fixes 0, ½, 1, is symmetric and monotone', () => {
    for (const k of [0, 0.25, 1, 3, 10]) {
      near(lamRescale(0, k), 0, 1e-12);
      near(lamRescale(0.5, k), 0.5, 1e-12);
      near(lamRescale(1, k), 1, 1e-12);
      let prev = -1;
      for (let i = 0; i <= 100; i++) {
        const l = i / 100;
        near(lamRescale(1 - l, k), 1 - lamRescale(l, k), 1e-12);
        const f = lamRescale(l, k);
        expect(f).toBeGreaterThan(prev);
        prev = f;
      }
    }
  });

  it('is the identity for k < 0 and clips k to 10', () => {
    expect(lamRescale(0.1, -1)).toBe(0.1);
    expect(lamRescale(0.37, -0.5)).toBe(0.37);
    expect(lamRescale(0.1, 25)).toBe(lamRescale(0.1, 10));
    expect(lamRescale(0.1, 10)).not.toBe(0.1);
  });
});

describe('momentumAt (docs/method.md)', () => {
  const o = { base: 0.999, end: 0.999999, warmupFrac: 0.1 };

  it('is constant during the warm-up', () => {
    for (let t = 0; t < 100; t++) expect(momentumAt(t, 1000, o)).toBe(0.999);
  });

  it('follows the T = 1000 table', () => {
    near(momentumAt(100, 1000, o), 0.9990244, 5e-8);
    near(momentumAt(250, 1000, o), 0.9991463, 5e-8);
    near(momentumAt(500, 1000, o), 0.9994995, 1e-12);
    near(momentumAt(750, 1000, o), 0.9998527, 5e-8);
    near(momentumAt(1000, 1000, o), 0.999999, 1e-12);
  });

  it('uses cos(πt/T), not the time since the warm-up', () => {
    const expected = 0.999999 - (0.000999 * (Math.cos(0.1 * Math.PI) + 1)) / 2;
    near(momentumAt(100, 1000, o), expected, 1e-15);
  });

  it('clamps t to [0, T] and handles T ≤ 0', () => {
    expect(momentumAt(5000, 1000, o)).toBe(momentumAt(1000, 1000, o));
    expect(momentumAt(-3, 1000, o)).toBe(0.999);
    expect(momentumAt(0, 0, o)).toBe(0.999999);
    expect(momentumAt(0, 1000, { ...o, warmupFrac: 0 })).toBe(0.999);
  });
});

describe('cosineLr', () => {
  it('goes from lr0 to lrMin along a half cosine', () => {
    expect(cosineLr(0, 100, 0.1, 0.001)).toBe(0.1);
    near(cosineLr(100, 100, 0.1, 0.001), 0.001, 1e-15);
    near(cosineLr(50, 100, 0.1, 0.001), 0.0505, 1e-15);
    near(cosineLr(25, 100, 0.1, 0), (0.1 * (1 + Math.SQRT1_2)) / 2, 1e-15);
  });

  it('clamps the step and handles T ≤ 0', () => {
    near(cosineLr(250, 100, 0.1, 0.001), 0.001, 1e-15);
    expect(cosineLr(-5, 100, 0.1, 0.001)).toBe(0.1);
    expect(cosineLr(3, 0, 0.1, 0.001)).toBe(0.001);
  });
});

describe('Beta(2, 2) draws of the run generator', () => {
  it('have mean ½, variance 1/20 and P(λ ≤ 0.08) ≈ 0.01818', () => {
    const rng = new Rng(2024);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let low = 0;
    for (let i = 0; i < n; i++) {
      const l = rng.beta(2, 2);
      sum += l;
      sumSq += l * l;
      if (l <= 0.08) low++;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    // Standard errors: mean 0.0005, variance ≈ 0.0001, proportion 0.0003; bounds are ≈ 4–5 s.e.
    near(mean, 0.5, 0.0025);
    near(variance, 0.05, 0.0005);
    near(low / n, 3 * 0.08 ** 2 - 2 * 0.08 ** 3, 0.0015);
    near(3 * 0.08 ** 2 - 2 * 0.08 ** 3, 0.01818, 5e-6); // the Beta(2,2) CDF at 0.08
  });
});
