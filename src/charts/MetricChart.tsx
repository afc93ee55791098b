/**
 * One live chart: several series against the step, each drawn as a faint raw line under its
 * debiased-EMA smoothed line, animations off, downsampled past a few thousand points, optional log
 * y, vertical marks where a setting changed live, a shared cursor step and a CSV download.
 */
import { useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { downsampleIndices, smoothDebiased, toCsv } from './series';

export interface SeriesDef {
  key: string;
  label: string;
  color: string;
}

export interface ChartRow {
  step: number;
  [key: string]: number;
}

interface Props {
  title: string;
  series: SeriesDef[];
  rows: ChartRow[];
  smoothing: number;
  logY: boolean;
  marks: Array<{ step: number; label: string }>;
  cursorStep: number | null;
  onCursor?: (step: number | null) => void;
  maxPoints?: number;
  yDomain?: [number | 'auto', number | 'auto'];
}

function downloadCsv(name: string, series: SeriesDef[], rows: ChartRow[]): void {
  const text = toCsv(
    ['step', ...series.map((s) => s.key)],
    rows.map((r) => [r.step, ...series.map((s) => r[s.key] ?? NaN)]),
  );
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name.replace(/\s+/g, '-').toLowerCase()}.csv`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The last rows of a chart as a table (raw values), newest first. */
function DataTable({ title, series, rows }: { title: string; series: SeriesDef[]; rows: ChartRow[] }) {
  const shown = rows.slice(-200).reverse();
  return (
    <div className="chart-table">
      <table aria-label={`${title} data`}>
        <thead>
          <tr>
            <th>step</th>
            {series.map((s) => (
              <th key={s.key}>{s.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={`${r.step}-${i}`}>
              <td>{r.step}</td>
              {series.map((s) => (
                <td key={s.key}>{Number.isFinite(r[s.key]) ? r[s.key].toFixed(4) : ''}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function MetricChart(props: Props) {
  const { title, series, rows, smoothing, logY, marks, cursorStep, onCursor, maxPoints = 400 } = props;
  const plotted = useMemo(() => {
    const smoothed = series.map((s) =>
      smoothDebiased(
        rows.map((r) => r[s.key] ?? NaN),
        smoothing,
      ),
    );
    const idx = downsampleIndices(rows.length, maxPoints);
    return idx.map((i) => {
      const out: Record<string, number | null> = { step: rows[i].step };
      series.forEach((s, k) => {
        const raw = rows[i][s.key];
        const ok = (v: number | undefined) => v !== undefined && Number.isFinite(v) && (!logY || v > 0);
        out[`${s.key}_raw`] = ok(raw) ? raw : null;
        out[s.key] = ok(smoothed[k][i]) ? smoothed[k][i] : null;
      });
      return out;
    });
  }, [rows, series, smoothing, logY, maxPoints]);

  const last = rows[rows.length - 1];
  const [showTable, setShowTable] = useState(false);
  return (
    <section aria-label={title} className="panel chart-panel">
      <header className="panel-head">
        <h2>{title}</h2>
        <span className="chart-last" data-testid={`${title}-points`} data-points={rows.length}>
          {rows.length} points
          {last ? ` · step ${last.step}` : ''}
        </span>
        <button
          type="button"
          className="small"
          onClick={() => setShowTable(!showTable)}
          aria-expanded={showTable}
        >
          Table
        </button>
        <button
          type="button"
          className="small"
          onClick={() => downloadCsv(title, series, rows)}
          disabled={!rows.length}
        >
          CSV
        </button>
      </header>
      {showTable && <DataTable title={title} series={series} rows={rows} />}
      <div className="chart-box">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart
            data={plotted}
            margin={{ top: 6, right: 12, bottom: 4, left: 0 }}
            onMouseMove={(s) => {
              const label = (s as { activeLabel?: number | string } | undefined)?.activeLabel;
              if (onCursor && label !== undefined) onCursor(Number(label));
            }}
            onMouseLeave={() => onCursor?.(null)}
          >
            <CartesianGrid stroke="#e5e7eb" strokeDasharray="3 3" />
            <XAxis
              dataKey="step"
              type="number"
              domain={['dataMin', 'dataMax']}
              allowDecimals={false}
              tick={{ fontSize: 11 }}
            />
            <YAxis
              scale={logY ? 'log' : 'linear'}
              domain={props.yDomain ?? ['auto', 'auto']}
              allowDataOverflow={logY}
              tick={{ fontSize: 11 }}
              width={48}
              tickFormatter={(v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(2))}
            />
            <Tooltip
              isAnimationActive={false}
              formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {series.map((s) => (
              <Line
                key={`${s.key}_raw`}
                dataKey={`${s.key}_raw`}
                stroke={s.color}
                strokeOpacity={smoothing > 0 ? 0.2 : 1}
                dot={false}
                isAnimationActive={false}
                connectNulls
                legendType={smoothing > 0 ? 'none' : 'line'}
                name={smoothing > 0 ? `${s.label} (raw)` : s.label}
              />
            ))}
            {smoothing > 0 &&
              series.map((s) => (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  stroke={s.color}
                  strokeWidth={1.6}
                  dot={false}
                  isAnimationActive={false}
                  connectNulls
                  name={s.label}
                />
              ))}
            {marks.map((m) => (
              <ReferenceLine
                key={`${m.step}-${m.label}`}
                x={m.step}
                stroke="#a855f7"
                strokeDasharray="4 2"
                label={{ value: m.label, fontSize: 10, fill: '#7e22ce', position: 'insideTopLeft' }}
              />
            ))}
            {cursorStep !== null && <ReferenceLine x={cursorStep} stroke="#111827" strokeWidth={1} />}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
