import { describe, expect, it } from 'vitest';
import { extent, fmtTick, makeScale, niceTicks, scaleTicks, unit, valueAxis } from './scale';

describe('chart scales', () => {
  it('extent skips non-finite values, and non-positive ones on log axes', () => {
    expect(extent([3, NaN, null, -1, 7], false)).toEqual([-1, 7]);
    expect(extent([3, 0, -1, 7], true)).toEqual([3, 7]);
    expect(extent([NaN, null], false)).toBeNull();
  });

  it('nice ticks are 1-2-5 multiples inside the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.13, 2.9, 5)).toEqual([0.5, 1, 1.5, 2, 2.5]);
    const t = niceTicks(5, 5);
    expect(t.length).toBeGreaterThan(1);
    expect(t[0]).toBeLessThanOrEqual(5);
    expect(t[t.length - 1]).toBeGreaterThanOrEqual(5);
  });

  it('linear scales round outwards to ticks; log scales to whole decades', () => {
    expect(makeScale(0.13, 2.9, false)).toEqual({ lo: 0, hi: 3, log: false });
    expect(makeScale(0.03, 2.5, true)).toEqual({ lo: 0.01, hi: 10, log: true });
    expect(scaleTicks(makeScale(0.03, 2.5, true))).toEqual([0.01, 0.1, 1, 10]);
  });

  it('maps values to [0,1] linearly or logarithmically', () => {
    expect(unit({ lo: 0, hi: 4, log: false }, 1)).toBe(0.25);
    expect(unit({ lo: 0.01, hi: 100, log: true }, 1)).toBeCloseTo(0.5, 12);
  });

  it('formats ticks compactly', () => {
    expect(fmtTick(0.1 + 0.2)).toBe('0.3');
    expect(fmtTick(250)).toBe('250');
    expect(fmtTick(0)).toBe('0');
  });

  it('value axes: round 1-2-5 ticks that cover every value (the loss chart had 0.85 and 1.7)', () => {
    const a = valueAxis([2.45, -0.1, null, NaN, 0.6], false);
    expect(a.domain).toEqual([-0.5, 2.5]);
    expect(a.ticks).toEqual([-0.5, 0, 0.5, 1, 1.5, 2, 2.5]);
    for (const v of [2.45, -0.1, 0.6]) {
      expect(v).toBeGreaterThanOrEqual(a.domain[0]);
      expect(v).toBeLessThanOrEqual(a.domain[1]);
    }
  });

  it('value axes keep fixed ends, use decades on log axes, and have a default without values', () => {
    expect(valueAxis([0.3, 0.9], false, [0, 1])).toEqual({
      domain: [0, 1],
      ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    });
    expect(valueAxis([0.3, 1.2], false, [0, 2])).toEqual({ domain: [0, 2], ticks: [0, 0.5, 1, 1.5, 2] });
    expect(valueAxis([0.004, 0, -1, 2.3], true)).toEqual({
      domain: [0.001, 10],
      ticks: [0.001, 0.01, 0.1, 1, 10],
    });
    expect(valueAxis([null, NaN], false)).toEqual({ domain: [0, 1], ticks: [0, 0.2, 0.4, 0.6, 0.8, 1] });
    expect(valueAxis([], true).domain).toEqual([1, 10]);
  });
});
