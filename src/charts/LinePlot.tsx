/**
 * The plot of a live chart as plain SVG: one path per series (faint raw line under the smoothed
 * one), grid and ticks, dashed marks where a setting changed, the shared cursor with a read-out, and
 * hover reporting the nearest step. A redraw only rewrites a dozen `d` attributes, so it stays far
 * below a frame even on a loaded two-core machine (recharts' redraw of the same data took 50-300 ms).
 */
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { extent, fmtTick, makeScale, scaleTicks, unit, type Scale } from './scale';

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
}

const PAD = { left: 48, right: 12, top: 8, bottom: 22 };
const DEFAULT_HEIGHT = 240;

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

function path(data: PlotRow[], key: string, px: (s: number) => number, py: (v: number) => number): string {
  let d = '';
  let pen = 'M';
  for (const r of data) {
    const v = r[key];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    d += `${pen}${px(r.step as number).toFixed(1)} ${py(v).toFixed(1)}`;
    pen = 'L';
  }
  return d;
}

/** Series with at most this many points (evaluations, the end-of-run probe) also get a dot per point. */
export const MAX_DOTS = 60;

/** The points of a sparse series as `[x, y]` (empty when it has more than MAX_DOTS): a lone point shows. */
export function dots(
  data: PlotRow[],
  key: string,
  px: (s: number) => number,
  py: (v: number) => number,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const r of data) {
    const v = r[key];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (out.length === MAX_DOTS) return [];
    out.push([px(r.step as number), py(v)]);
  }
  return out;
}

function LinePlotImpl(p: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const w = Math.round(entries[0]?.contentRect.width ?? 0);
      if (w > 0) setWidth(w);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const { data, series, smoothed, logY, yDomain } = p;
  const HEIGHT = p.height ?? DEFAULT_HEIGHT;
  const geom = useMemo(() => {
    const keys = series.flatMap((s) => (smoothed ? [`${s.key}_raw`, s.key] : [`${s.key}_raw`]));
    const values = function* () {
      for (const r of data) for (const k of keys) yield r[k] ?? null;
    };
    const ext = extent(values(), logY) ?? (logY ? [0.1, 1] : [0, 1]);
    const lo = typeof yDomain?.[0] === 'number' ? yDomain[0] : ext[0];
    const hi = typeof yDomain?.[1] === 'number' ? yDomain[1] : ext[1];
    const y: Scale =
      yDomain && typeof yDomain[0] === 'number' && typeof yDomain[1] === 'number'
        ? { lo, hi, log: false }
        : makeScale(lo, hi, logY);
    const s0 = (data[0]?.step as number | undefined) ?? 0;
    const s1 = (data[data.length - 1]?.step as number | undefined) ?? 1;
    const x0 = s0;
    const x1 = s1 > s0 ? s1 : s0 + 1;
    const plotW = Math.max(10, width - PAD.left - PAD.right);
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const px = (s: number): number => PAD.left + ((s - x0) / (x1 - x0)) * plotW;
    const py = (v: number): number => PAD.top + (1 - Math.min(1.02, Math.max(-0.02, unit(y, v)))) * plotH;
    return { y, x0, x1, px, py, plotW, plotH };
  }, [data, series, smoothed, logY, yDomain, width, HEIGHT]);

  const lines = useMemo(
    () =>
      series.map((s) => ({
        s,
        raw: path(data, `${s.key}_raw`, geom.px, geom.py),
        smooth: smoothed ? path(data, s.key, geom.px, geom.py) : '',
        points: dots(data, `${s.key}_raw`, geom.px, geom.py),
      })),
    [data, series, smoothed, geom],
  );

  const { y, x0, x1, px, py, plotH } = geom;
  const yTicks = scaleTicks(y);
  const xTicks = scaleTicks({ lo: x0, hi: x1, log: false }, Math.max(2, Math.floor(geom.plotW / 80))).filter(
    (t) => Number.isInteger(t),
  );
  const cursorIdx = p.cursorStep !== null && data.length ? nearest(data, p.cursorStep) : -1;
  const cursorRow = cursorIdx >= 0 ? data[cursorIdx] : null;

  const onMove = (e: React.MouseEvent<SVGSVGElement>): void => {
    if (!data.length) return;
    const r = e.currentTarget.getBoundingClientRect();
    const step = x0 + ((e.clientX - r.left - PAD.left) / geom.plotW) * (x1 - x0);
    p.onHover(data[nearest(data, step)].step as number);
  };

  return (
    <div className="line-plot" ref={box}>
      <svg
        width={width}
        height={HEIGHT}
        role="img"
        aria-label={`${p.title} plot`}
        onMouseMove={onMove}
        onMouseLeave={() => p.onHover(null)}
      >
        <g className="grid-lines">
          {yTicks.map((t) => (
            <g key={`y${t}`}>
              <line x1={PAD.left} x2={PAD.left + geom.plotW} y1={py(t)} y2={py(t)} />
              <text x={PAD.left - 4} y={py(t) + 3} textAnchor="end">
                {fmtTick(t)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <g key={`x${t}`}>
              <line x1={px(t)} x2={px(t)} y1={PAD.top} y2={PAD.top + plotH} />
              <text x={px(t)} y={HEIGHT - 6} textAnchor="middle">
                {fmtTick(t)}
              </text>
            </g>
          ))}
        </g>
        {lines.map(({ s, raw, smooth, points }) => (
          <g key={s.key} data-series={s.key}>
            {points.map(([x, yv]) => (
              <circle key={x} cx={x} cy={yv} r={2.5} fill={s.color} />
            ))}
            <path
              d={raw}
              fill="none"
              stroke={s.color}
              strokeOpacity={smoothed ? 0.22 : 1}
              strokeWidth={smoothed ? 1 : 1.6}
            />
            {smoothed && <path d={smooth} fill="none" stroke={s.color} strokeWidth={1.6} />}
          </g>
        ))}
        {p.marks.map((m) => (
          <g key={`${m.step}-${m.label}`} className="mark">
            <line x1={px(m.step)} x2={px(m.step)} y1={PAD.top} y2={PAD.top + plotH} />
            <text x={px(m.step) + 3} y={PAD.top + 10}>
              {m.label}
            </text>
          </g>
        ))}
        {cursorRow && (
          <line
            className="cursor"
            x1={px(cursorRow.step as number)}
            x2={px(cursorRow.step as number)}
            y1={PAD.top}
            y2={PAD.top + plotH}
          />
        )}
      </svg>
      {cursorRow && (
        <div
          className="plot-readout"
          style={{ left: Math.min(px(cursorRow.step as number) + 8, Math.max(0, width - 170)) }}
        >
          <strong>step {cursorRow.step}</strong>
          {series.map((s) => {
            const v = cursorRow[smoothed ? s.key : `${s.key}_raw`];
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

/** Memoised: redraws only when its data, options, width or the cursor change. */
export const LinePlot = memo(LinePlotImpl);
