import { describe, expect, it } from 'vitest';
import { fmtStep, fmtTick } from './scale';
import { plotRows, type SeriesRow } from './series';

describe('chart rows', () => {
  // A 1,400-step run logged every step, with an evaluation every 50 steps (28 of them).
  const rows: SeriesRow[] = [];
  for (let s = 1; s <= 1400; s++) rows.push({ step: s, train: Math.sin(s / 30) });
  for (let s = 50; s <= 1400; s += 50) rows.push({ step: s, test: s / 2000 } as SeriesRow);
  rows.sort((a, b) => a.step - b.step);
  const series = [{ key: 'train' }, { key: 'test' }];
  const o = { smoothing: 0.6, logY: false, maxPoints: 400, sparse: new Set(['test']) };

  it('decimates the dense series but keeps every evaluation, unsmoothed', () => {
    const out = plotRows(rows, series, o);
    expect(out.length).toBeLessThan(500);
    const evals = out.filter((r) => r.test_raw !== null);
    expect(evals.map((r) => r.step)).toEqual(Array.from({ length: 28 }, (_, i) => 50 * (i + 1)));
    expect(evals.map((r) => r.test_raw)).toEqual(evals.map((r) => (r.step as number) / 2000));
    expect(out.every((r) => !('test' in r))).toBe(true); // no smoothed line for a sparse series
  });

  it('turns non-finite values into gaps (null), never zeros', () => {
    const gap: SeriesRow[] = [
      { step: 1, train: 1 },
      { step: 2, train: NaN },
      { step: 3, train: 2 },
    ];
    const out = plotRows(gap, [{ key: 'train' }], { ...o, sparse: new Set() });
    expect(out.map((r) => r.train_raw)).toEqual([1, null, 2]);
    expect(out[1].train).toBeNull();
    expect(
      plotRows([{ step: 1, train: 0 }], [{ key: 'train' }], { ...o, logY: true, sparse: new Set() })[0]
        .train_raw,
    ).toBeNull();
  });
});

describe('axis labels', () => {
  it('writes steps as integers with thousands separators, never in exponent form', () => {
    expect([1000, 1200, 1400, 1600, 12400, 999].map(fmtStep)).toEqual([
      '1,000',
      '1,200',
      '1,400',
      '1,600',
      '12,400',
      '999',
    ]);
    expect(fmtTick(1000)).toBe('1,000');
    expect(fmtTick(2000)).toBe('2,000');
  });
});
