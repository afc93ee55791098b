/**
 * The `shape` of a recharts Line whose points are also marked (evaluations, or a series with few
 * points yet): recharts' default line shape draws the line, and one plain circle per point sits on
 * top of it in the same element. recharts' `dot` option builds a props object and three components
 * per point on every redraw, a third of an accuracy-chart redraw with 56 evaluations
 * (docs/performance.md); these marks are one element each.
 */
import type { ReactElement } from 'react';
import { LineDrawShape, type LineDrawShapeProps } from 'recharts';

/** Radius of a point mark in pixels. */
const MARK_RADIUS = 2.5;

interface MaybePoint {
  x: number | null;
  y: number | null;
}

/** The points that have a place on the plot (a gap, a value off a log scale, has none). */
export function markedPoints(points: readonly MaybePoint[] | undefined): Array<{ x: number; y: number }> {
  const out: Array<{ x: number; y: number }> = [];
  for (const p of points ?? []) {
    if (p.x !== null && p.y !== null && Number.isFinite(p.x) && Number.isFinite(p.y))
      out.push({ x: p.x, y: p.y });
  }
  return out;
}

/** A dense series is marked point by point only while it has at most this many points. */
export const MAX_MARKED = 60;

/** The marks a line gets: every point of a sparse series; a dense one's only while it has few. */
export function marksFor(
  points: readonly MaybePoint[] | undefined,
  sparse: boolean,
): Array<{ x: number; y: number }> {
  const marks = markedPoints(points);
  return sparse || marks.length <= MAX_MARKED ? marks : [];
}

function drawMarked(props: LineDrawShapeProps, sparse: boolean, line = true): ReactElement {
  const color = typeof props.stroke === 'string' ? props.stroke : 'currentColor';
  return (
    <g className="series-marked">
      {line && <LineDrawShape {...props} />}
      <g className="series-marks" fill={color} stroke={color} opacity={props.strokeOpacity}>
        {marksFor(props.points, sparse).map((p, i) => (
          <circle key={i} cx={p.x} cy={p.y} r={MARK_RADIUS} />
        ))}
      </g>
    </g>
  );
}

/** The shape of a sparse series (evaluations): the line, and a mark at every point that has a value. */
export function markedCurve(props: LineDrawShapeProps): ReactElement {
  return drawMarked(props, true);
}

/**
 * The shape of a dense series: the line, marked point by point while it has at most `MAX_MARKED`
 * points (so the first steps, or points between gaps, show). The decision is the shape's, made from
 * the points it is drawn with, so the Line's props stay the same as the series grows (a changed
 * prop would make recharts register the line again).
 */
export function denseCurve(props: LineDrawShapeProps): ReactElement {
  return drawMarked(props, false);
}

/** The shape of a point cloud (the diagnostics' A's share against λ): a mark at every point, no line. */
export function scatterShape(props: LineDrawShapeProps): ReactElement {
  return drawMarked(props, true, false);
}
