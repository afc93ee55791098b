/**
 * The plot of a live chart, drawn with recharts: one line per series (the raw values faint under the
 * smoothed ones), axis titles, integer step ticks with thousands separators, dashed marks where a
 * setting changed live, the shared cursor with a read-out, and hover reporting the nearest step.
 * Missing values (null) are gaps, never zeros; sparse series (evaluations) are drawn point to point
 * with a mark at each (markedCurve.tsx). Animation is off and the rows come decimated (MetricChart),
 * so a redraw is a few paths (`npm run bench -- --part ui` measures it).
 */
import { memo, useCallback, useMemo } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { fmtStep, fmtTick, valueAxis, type Axis } from './scale';
import { denseCurve, markedCurve } from './markedCurve';

export interface PlotSeries {
  key: string;
  label: string;
  color: string;
}

export type PlotRow = Record<string, number | null>;

interface Props {
  title: string;
  data: PlotRow[];
  series: PlotSeries[];
  /** Draw the `<key>_raw` lines faint under the smoothed `<key>` lines. */
  smoothed: boolean;
  logY: boolean;
  yDomain?: [number | 'auto', number | 'auto'];
  marks: Array<{ step: number; label: string }>;
  cursorStep: number | null;
  onHover: (step: number | null) => void;
  /** Pixel height (default 240). */
  height?: number;
  /** Axis titles (x defaults to "step"). */
  xLabel?: string;
  yLabel?: string;
  /** Keys of sparse series (evaluations): never smoothed, drawn point to point with dots. */
  sparse?: ReadonlySet<string>;
}

const DEFAULT_HEIGHT = 240;
// Right margin: room for half of the last step label ("12,000"), which every tick shows (interval 0).
const MARGIN = { left: 8, right: 24, top: 8, bottom: 18 };
const NO_SPARSE: ReadonlySet<string> = new Set();
/** From step 0 to a round number past the last step, so the ticks fall on round steps. */
const X_DOMAIN: [number, 'auto'] = [0, 'auto'];

/**
 * Props objects kept identical from one redraw to the next: recharts registers every axis and line in
 * its store from effects, so a new `tick`, `label` or `dot` object at each redraw would re-register
 * them all and re-render the chart synchronously several times per new row.
 */
const AXIS_TICK = { fontSize: 10 };
/**
 * The axis as an object that keeps its identity while its domain and ticks stay, so recharts does
 * not register the axis again on each redraw.
 */
function useSteadyAxis(axis: Axis): Axis {
  const key = JSON.stringify(axis);
  return useMemo(() => JSON.parse(key) as Axis, [key]);
}

/** Every value the plot draws (raw and smoothed lines), for the value axis. */
function* plottedValues(data: PlotRow[], keys: string[]): Generator<number | null> {
  for (const row of data) for (const k of keys) yield row[k] ?? null;
}

/** Index of the row whose step is nearest to `step` (rows sorted by step). */
function nearest(data: PlotRow[], step: number): number {
  let lo = 0;
  let hi = data.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((data[mid].step as number) < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs((data[lo - 1].step as number) - step) <= Math.abs((data[lo].step as number) - step))
    return lo - 1;
  return lo;
}

function LinePlotImpl(p: Props) {
  const { data, series, smoothed, logY, yDomain, onHover } = p;
  const sparse = p.sparse ?? NO_SPARSE;
  const height = p.height ?? DEFAULT_HEIGHT;
  // Round value ticks (1-2-5 steps, or decades on a log axis; scale.ts): recharts' own search gave
  // ticks such as 0.85 and 1.7 on the loss chart.
  const keys = useMemo(
    () =>
      series.flatMap((s) => (smoothed && !sparse.has(s.key) ? [`${s.key}_raw`, s.key] : [`${s.key}_raw`])),
    [series, smoothed, sparse],
  );
  // Computed again only when the drawn values change, not on the re-renders a hover causes.
  const axis = useMemo(
    () => valueAxis(plottedValues(data, keys), logY, yDomain),
    [data, keys, logY, yDomain],
  );
  const yAxis = useSteadyAxis(axis);
  const lines = useMemo(
    () =>
      series.flatMap((s) => {
        if (sparse.has(s.key)) {
          // Evaluations: every point, joined across the steps between them, a dot each.
          return [
            <Line
              key={s.key}
              dataKey={`${s.key}_raw`}
              name={s.label}
              stroke={s.color}
              strokeWidth={1.6}
              dot={false}
              shape={markedCurve}
              activeDot={false}
              connectNulls
              isAnimationActive={false}
            />,
          ];
        }
        const raw = (
          <Line
            key={`${s.key}_raw`}
            className={`series-${s.key}`}
            dataKey={`${s.key}_raw`}
            name={s.label}
            stroke={s.color}
            strokeOpacity={smoothed ? 0.22 : 1}
            strokeWidth={smoothed ? 1 : 1.6}
            dot={false}
            shape={denseCurve}
            activeDot={false}
            connectNulls={false}
            isAnimationActive={false}
          />
        );
        if (!smoothed) return [raw];
        return [
          raw,
          <Line
            key={s.key}
            className={`series-${s.key} smoothed`}
            dataKey={s.key}
            name={`${s.label} (smoothed)`}
            stroke={s.color}
            strokeWidth={1.6}
            dot={false}
            activeDot={false}
            connectNulls={false}
            isAnimationActive={false}
          />,
        ];
      }),
    [series, sparse, smoothed],
  );
  const xLabel = p.xLabel ?? 'step';
  const xAxisLabel = useMemo(
    () => ({ value: xLabel, position: 'insideBottom' as const, offset: -10, fontSize: 10 }),
    [xLabel],
  );
  const yAxisLabel = useMemo(
    () =>
      p.yLabel
        ? {
            value: p.yLabel,
            angle: -90,
            position: 'insideLeft' as const,
            offset: 6,
            fontSize: 10,
            textAnchor: 'middle' as const,
          }
        : undefined,
    [p.yLabel],
  );
  const markLines = useMemo(
    () =>
      p.marks.map((m) => (
        <ReferenceLine
          key={`${m.step}-${m.label}`}
          x={m.step}
          stroke="#9ca3af"
          strokeDasharray="3 3"
          label={{ value: m.label, position: 'insideTopRight', fontSize: 9 }}
        />
      )),
    [p.marks],
  );

  const move = useCallback(
    (state: { activeLabel?: string | number } | null) => {
      const label = state?.activeLabel;
      onHover(label === undefined || label === null ? null : Number(label));
    },
    [onHover],
  );
  const leave = useCallback(() => onHover(null), [onHover]);

  const cursorIdx = p.cursorStep !== null && data.length ? nearest(data, p.cursorStep) : -1;
  const cursorRow = cursorIdx >= 0 ? data[cursorIdx] : null;

  return (
    <div className="line-plot" role="img" aria-label={`${p.title} plot`}>
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={MARGIN} onMouseMove={move} onMouseLeave={leave}>
          <CartesianGrid stroke="#e5e7eb" />
          <XAxis
            dataKey="step"
            type="number"
            domain={X_DOMAIN}
            allowDecimals={false}
            interval={0}
            tickFormatter={fmtStep}
            tick={AXIS_TICK}
            label={xAxisLabel}
          />
          <YAxis
            type="number"
            scale={logY ? 'log' : 'auto'}
            domain={yAxis.domain}
            ticks={yAxis.ticks}
            niceTicks="none"
            allowDataOverflow
            interval={0}
            tickFormatter={fmtTick}
            tick={AXIS_TICK}
            width={52}
            label={yAxisLabel}
          />
          {lines}
          {markLines}
          {cursorRow && <ReferenceLine x={cursorRow.step as number} stroke="#111827" />}
        </LineChart>
      </ResponsiveContainer>
      {cursorRow && (
        <div className="plot-readout">
          <strong>step {fmtStep(cursorRow.step as number)}</strong>
          {series.map((s) => {
            const v = cursorRow[smoothed && !sparse.has(s.key) ? s.key : `${s.key}_raw`];
            return v === null || v === undefined ? null : (
              <div key={s.key}>
                <i style={{ background: s.color }} /> {s.label}: {v.toFixed(4)}
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** Memoised: redraws only when its data, options or the cursor change. */
export const LinePlot = memo(LinePlotImpl);
