/**
 * A small SVG plot over x ∈ [0, 1] for the mixup diagnostics: bars (the λ histogram), polylines
 * (the Beta density, y = x and its margin band) and dots (mask mean vs λ), with ticks at 0, ½, 1 on
 * x and nice ticks on y. Plain SVG so a redraw costs well under a millisecond.
 */
import { memo } from 'react';
import { fmtTick, niceTicks } from './scale';

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
  width?: number;
  height?: number;
}

const PAD = { left: 30, right: 6, top: 6, bottom: 18 };

function UnitPlotImpl({
  label,
  yMax,
  bars = [],
  lines = [],
  dots = [],
  barColor = '#93c5fd',
  dotColor = '#dc2626',
  width = 220,
  height = 150,
}: Props) {
  const w = width - PAD.left - PAD.right;
  const h = height - PAD.top - PAD.bottom;
  const top = yMax > 0 && Number.isFinite(yMax) ? yMax : 1;
  const px = (x: number): number => PAD.left + x * w;
  const py = (y: number): number => PAD.top + (1 - Math.min(1.05, Math.max(-0.05, y / top))) * h;
  return (
    <svg className="unit-plot" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={label}>
      <g className="grid-lines">
        {niceTicks(0, top, 3).map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.left} x2={PAD.left + w} y1={py(t)} y2={py(t)} />
            <text x={PAD.left - 3} y={py(t) + 3} textAnchor="end">
              {fmtTick(t)}
            </text>
          </g>
        ))}
        {[0, 0.5, 1].map((t) => (
          <text key={`x${t}`} x={px(t)} y={height - 5} textAnchor="middle">
            {t}
          </text>
        ))}
      </g>
      {bars.map((b, i) => (
        <rect
          key={i}
          x={px(b.x - b.width / 2) + 0.5}
          width={Math.max(0, b.width * w - 1)}
          y={py(b.height)}
          height={Math.max(0, py(0) - py(b.height))}
          fill={barColor}
        />
      ))}
      {lines.map((l, i) => (
        <polyline
          key={i}
          points={l.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}
          fill="none"
          stroke={l.color}
          strokeWidth={1.4}
          strokeDasharray={l.dash}
        />
      ))}
      {dots.map(([x, y], i) => (
        <circle key={i} cx={px(x)} cy={py(y)} r={2} fill={dotColor} fillOpacity={0.6} />
      ))}
    </svg>
  );
}

export const UnitPlot = memo(UnitPlotImpl);
