import { describe, expect, it } from 'vitest';
import { betaPdf, collapseWarning, histogram, histogramTop, logGamma, maskStats } from './diagnostics';

describe('Beta density', () => {
  it('log Γ matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('Beta(2,2) is 6x(1−x) and Beta(1,1) is uniform', () => {
    expect(betaPdf(0.3, 2, 2)).toBeCloseTo(6 * 0.3 * 0.7, 10);
    expect(betaPdf(0.5, 2, 2)).toBeCloseTo(1.5, 10);
    expect(betaPdf(0.77, 1, 1)).toBeCloseTo(1, 10);
    expect(betaPdf(0, 2, 2)).toBe(0);
  });

  it('histogram densities integrate to one', () => {
    const h = histogram([0.05, 0.15, 0.15, 0.95, NaN], 10);
    expect(h.reduce((a, b) => a + b.density / 10, 0)).toBeCloseTo(1, 12);
    expect(h[1].density).toBeCloseTo(5, 12);
  });
});

describe('mask statistics', () => {
  it('binary checkerboard: mean ½, variance ¼, binariness 1, total variation 1', () => {
    const s = maskStats([0, 1, 1, 0], 2, 2);
    expect(s).toEqual({ mean: 0.5, variance: 0.25, binariness: 1, totalVariation: 1 });
  });

  it('constant 0.5: no variance, no binariness, no variation', () => {
    expect(maskStats([0.5, 0.5, 0.5, 0.5], 2, 2)).toEqual({
      mean: 0.5,
      variance: 0,
      binariness: 0,
      totalVariation: 0,
    });
  });

  it('warns about constant λ masks, constant masks and identical masks, and not about healthy ones', () => {
    const c = (v: number) => [v, v, v, v];
    expect(collapseWarning([c(0.7), c(0.4)], [0.3, 0.6], 2, 2)).toMatch(/constant λ everywhere/);
    expect(collapseWarning([c(0.9), c(0.9)], [0.3, 0.6], 2, 2)).toMatch(/spatially constant/);
    expect(
      collapseWarning(
        [
          [0, 1, 0, 1],
          [0, 1, 0, 1],
        ],
        [0.5, 0.5],
        2,
        2,
      ),
    ).toMatch(/identical across pairs/);
    expect(
      collapseWarning(
        [
          [0, 1, 0, 1],
          [1, 1, 0, 0],
        ],
        [0.5, 0.5],
        2,
        2,
      ),
    ).toBeNull();
  });
});

describe('histogram top', () => {
  it('is at least 1, at most 6, and moves in steps of 1/2 so the axis seldom changes', () => {
    expect(histogramTop([0.2, 0.9])).toBe(1);
    expect(histogramTop([1.01])).toBe(1.5);
    expect(histogramTop([1.49, 1.2])).toBe(1.5);
    expect(histogramTop([1.51])).toBe(2);
    expect(histogramTop([2.9, Number.NaN, Number.POSITIVE_INFINITY])).toBe(3);
    expect(histogramTop([40])).toBe(6);
  });
});
