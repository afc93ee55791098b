import { describe, expect, it } from 'vitest';
import { MAX_MARKED, markedPoints, marksFor } from './markedCurve';

describe('markedPoints: the marks of a marked line', () => {
  it('marks every point with a place on the plot and skips gaps and off-scale values', () => {
    const pts = [
      { x: 0, y: 10 },
      { x: 5, y: null }, // a step without an evaluation (gap)
      { x: 10, y: Number.NaN }, // a value a log axis cannot place
      { x: null, y: 3 },
      { x: 20, y: Number.POSITIVE_INFINITY },
      { x: 30, y: 4 },
    ];
    expect(markedPoints(pts)).toEqual([
      { x: 0, y: 10 },
      { x: 30, y: 4 },
    ]);
  });

  it('marks all 28 evaluations of a 1,400-step run drawn over its 1,428 rows', () => {
    const rows = Array.from({ length: 1428 }, (_, i) => ({ x: i, y: i % 51 === 50 ? 100 - i / 20 : null }));
    expect(markedPoints(rows)).toHaveLength(28);
    expect(markedPoints(undefined)).toEqual([]);
  });
});

describe('marksFor: which lines are marked point by point', () => {
  const series = (n: number) => Array.from({ length: n }, (_, i) => ({ x: i, y: i / 10 }));

  it('marks a dense series while it has few points, so the first steps (or a lone point) show', () => {
    const few = [
      { x: 1, y: null },
      { x: 2, y: Number.NaN },
      { x: 400, y: 14 },
    ];
    expect(marksFor(few, false)).toEqual([{ x: 400, y: 14 }]);
    expect(marksFor(few.slice(0, 2), false)).toEqual([]); // nothing to draw
    expect(marksFor(series(MAX_MARKED), false)).toHaveLength(MAX_MARKED);
  });

  it('leaves a dense series past MAX_MARKED points to its line', () => {
    expect(marksFor(series(MAX_MARKED + 1), false)).toEqual([]);
  });

  it('marks every evaluation of a sparse series however many there are', () => {
    expect(marksFor(series(500), true)).toHaveLength(500);
  });
});
