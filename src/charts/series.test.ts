import { describe, expect, it } from 'vitest';
import { downsampleIndices, smoothDebiased } from './series';

describe('debiased smoothing', () => {
  it('starts at the first value instead of being pulled towards zero', () => {
    const s = smoothDebiased([10, 10, 10], 0.9);
    for (const v of s) expect(v).toBeCloseTo(10, 12);
  });

  it('matches the hand-computed debiased EMA', () => {
    // w = 0.5: acc1 = 0.5, s1 = 0.5/0.5 = 1; acc2 = 0.25 + 1.5 = 1.75, s2 = 1.75/0.75 = 2.3333
    const s = smoothDebiased([1, 3], 0.5);
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]).toBeCloseTo(7 / 3, 12);
  });

  it('passes non-finite values through without disturbing the average', () => {
    const s = smoothDebiased([1, NaN, 3], 0.5);
    expect(s[1]).toBeNaN();
    expect(s[2]).toBeCloseTo(7 / 3, 12);
  });

  it('weight 0 is the identity', () => {
    expect(smoothDebiased([1, 2, 3], 0)).toEqual([1, 2, 3]);
  });
});

describe('downsampling', () => {
  it('keeps everything under the cap', () => {
    expect(downsampleIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
  });

  it('caps the count, keeps first and last, and keeps a spike', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i === 5_123 ? 100 : Math.sin(i)));
    const idx = downsampleIndices(values.length, 500, (i) => values[i]);
    expect(idx.length).toBeLessThanOrEqual(500);
    expect(idx[0]).toBe(0);
    expect(idx[idx.length - 1]).toBe(9_999);
    expect(idx).toContain(5_123);
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
  });
});
