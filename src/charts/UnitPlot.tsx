/**
 * A small plot over x ∈ [0, 1] for the mixup diagnostics, drawn with recharts: bars (the λ
 * histogram), lines (the Beta density, y = x and its margin band) and dots (A's share of the mix vs
 * λ), with axis titles, ticks at 0, ½, 1 on x and no animation.
 */
import { memo, useMemo } from 'react';
import { Bar, CartesianGrid, ComposedChart, Line, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { scatterShape } from './markedCurve';
import { fmtTick } from './scale';

export interface UnitLine {
  points: Array<[number, number]>;
  color: string;
  dash?: string;
  label?: string;
}

interface Props {
  label: string;
  /** Upper end of y (lower end is 0). */
  yMax: number;
  bars?: Array<{ x: number; width: number; height: number }>;
  lines?: UnitLine[];
  dots?: Array<[number, number]>;
  barColor?: string;
  dotColor?: string;
  height?: number;
  xLabel: string;
  yLabel: string;
}

const MARGIN = { left: 4, right: 8, top: 6, bottom: 16 };
const AXIS_TICK = { fontSize: 10 };
const X_TICKS = [0, 0.5, 1];
const X_DOMAIN: [number, number] = [0, 1];

function UnitPlotImpl({
  label,
  yMax,
  bars = [],
  lines = [],
  dots = [],
  barColor = '#93c5fd',
  dotColor = '#dc2626',
  height = 170,
  xLabel,
  yLabel,
}: Props) {
  const top = yMax > 0 && Number.isFinite(yMax) ? yMax : 1;
  const barRows = useMemo(() => bars.map((b) => ({ x: b.x, bar: b.height })), [bars]);
  const lineData = useMemo(() => lines.map((l) => l.points.map(([x, y]) => ({ x, y }))), [lines]);
  const dotData = useMemo(() => dots.map(([x, y]) => ({ x, y })), [dots]);
  // The same domain object while the top stays: a new one would make recharts register the axis again.
  const yDomain = useMemo<[number, number]>(() => [0, top], [top]);
  // Stable label objects: recharts re-registers an axis whose props change (see LinePlot.tsx).
  const xTitle = useMemo(
    () => ({ value: xLabel, position: 'insideBottom' as const, offset: -8, fontSize: 10 }),
    [xLabel],
  );
  const yTitle = useMemo(
    () => ({
      value: yLabel,
      angle: -90,
      position: 'insideLeft' as const,
      offset: 6,
      fontSize: 10,
      textAnchor: 'middle' as const,
    }),
    [yLabel],
  );
  return (
    <div className="unit-plot" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={height}>
        <ComposedChart data={barRows} margin={MARGIN} barCategoryGap={1}>
          <CartesianGrid stroke="#e5e7eb" />
          <XAxis
            dataKey="x"
            type="number"
            domain={X_DOMAIN}
            ticks={X_TICKS}
            tick={AXIS_TICK}
            allowDataOverflow
            label={xTitle}
          />
          <YAxis
            type="number"
            domain={yDomain}
            allowDataOverflow
            tickFormatter={fmtTick}
            tick={AXIS_TICK}
            width={52}
            label={yTitle}
          />
          {bars.length > 0 && <Bar dataKey="bar" fill={barColor} isAnimationActive={false} />}
          {lines.map((l, i) => (
            <Line
              key={i}
              data={lineData[i]}
              dataKey="y"
              type="linear"
              stroke={l.color}
              strokeWidth={1.4}
              strokeDasharray={l.dash}
              dot={false}
              activeDot={false}
              isAnimationActive={false}
            />
          ))}
          {dots.length > 0 && (
            // The points as marks of a line that draws no stroke: one element per point, where a
            // recharts Scatter builds several components per point on each redraw.
            <Line
              data={dotData}
              dataKey="y"
              type="linear"
              stroke={dotColor}
              strokeOpacity={0.6}
              shape={scatterShape}
              dot={false}
              activeDot={false}
              isAnimationActive={false}
            />
          )}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export const UnitPlot = memo(UnitPlotImpl);
