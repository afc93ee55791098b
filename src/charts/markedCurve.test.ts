import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { denseCurve, MAX_MARKED, markedCurve, markedPoints, marksFor, scatterShape } from './markedCurve';

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

describe('the shapes draw what they say', () => {
  const props = (n: number) =>
    ({
      points: Array.from({ length: n }, (_, i) => ({ x: i * 10, y: i % 3 === 1 ? null : 50 - i })),
      stroke: '#2563eb',
      strokeOpacity: 0.6,
      pathRef: { current: null },
      type: 'linear',
      connectNulls: false,
    }) as unknown as Parameters<typeof markedCurve>[0];
  const count = (html: string, tag: string) => html.split(`<${tag}`).length - 1;

  it('markedCurve: the line and a mark per point with a value', () => {
    const html = renderToStaticMarkup(markedCurve(props(9)));
    expect(count(html, 'path')).toBe(1);
    expect(count(html, 'circle')).toBe(6);
  });

  it('denseCurve: the line, marked only while the series is short', () => {
    expect(count(renderToStaticMarkup(denseCurve(props(9))), 'circle')).toBe(6);
    const long = renderToStaticMarkup(denseCurve(props(3 * MAX_MARKED)));
    expect(count(long, 'path')).toBe(1);
    expect(count(long, 'circle')).toBe(0);
  });

  it('scatterShape: marks only, no line, at the series opacity', () => {
    const html = renderToStaticMarkup(scatterShape(props(300)));
    expect(count(html, 'path')).toBe(0);
    expect(count(html, 'circle')).toBe(200);
    expect(html).toContain('opacity="0.6"');
  });
});
