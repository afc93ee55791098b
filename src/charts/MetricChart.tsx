/**
 * One live chart: several series against the step, each drawn as a faint raw line under its
 * debiased-EMA smoothed line (recharts, LinePlot.tsx), decimated to about two points per pixel
 * column (min and max of each bucket, so spikes survive) while every evaluation of a sparse series
 * is kept and left unsmoothed, optional log y, vertical marks where a setting changed live, a shared
 * cursor step, an HTML legend, a data table and a CSV download. Redraws are throttled and memoised
 * (see throttle.ts).
 */
import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { LinePlot } from './LinePlot';
import { csvText } from '../lib/csv';
import { plotRows } from './series';
import { useThrottled } from './throttle';

/** Charts redraw at most this often (metrics arrive every ~150-250 ms). */
const REDRAW_MS = 120;

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
  /** Rows drawn at most (dense series; default 400: about two per pixel column of a chart). */
  maxPoints?: number;
  yDomain?: [number | 'auto', number | 'auto'];
  /** Axis title of the y axis (the x axis is the step). */
  yLabel?: string;
  /** Sparse series (evaluations): never smoothed, every point kept and drawn with a dot. */
  sparse?: readonly string[];
  /** A hint shown above the plot while some series have no points yet (e.g. before the first evaluation). */
  empty?: string;
}

function downloadCsv(name: string, series: SeriesDef[], rows: ChartRow[]): void {
  const text = csvText(
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

/** The legend as plain HTML (recharts' legend measures itself on every redraw). */
export const ChartLegend = memo(function ChartLegend({ series }: { series: SeriesDef[] }) {
  return (
    <ul className="chart-legend">
      {series.map((s) => (
        <li key={s.key}>
          <i style={{ background: s.color }} />
          {s.label}
        </li>
      ))}
    </ul>
  );
});

const NO_KEYS: readonly string[] = [];

function MetricChartImpl(props: Props) {
  const { title, series, smoothing, logY, marks, cursorStep, onCursor, maxPoints = 400 } = props;
  const sparseKeys = props.sparse ?? NO_KEYS;
  const sparse = useMemo(() => new Set(sparseKeys), [sparseKeys]);
  const rows = useThrottled(props.rows, REDRAW_MS);
  const plotted = useMemo(
    () => plotRows(rows, series, { smoothing, logY, maxPoints, sparse }),
    [rows, series, smoothing, logY, maxPoints, sparse],
  );

  const cursorRef = useRef(onCursor);
  useEffect(() => {
    cursorRef.current = onCursor;
  }, [onCursor]);
  const onHover = useCallback((step: number | null) => cursorRef.current?.(step), []);

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
          title="Show the last 200 logged points as a table (raw values)."
        >
          Table
        </button>
        <button
          type="button"
          className="small"
          onClick={() => downloadCsv(title, series, props.rows)}
          title="Download every logged point of this chart as CSV."
          disabled={!rows.length}
        >
          CSV
        </button>
      </header>
      {showTable && <DataTable title={title} series={series} rows={rows} />}
      {props.empty && <p className="hint chart-hint">{props.empty}</p>}
      <div className="chart-box">
        <LinePlot
          title={title}
          data={plotted}
          series={series}
          smoothed={smoothing > 0}
          logY={logY}
          yDomain={props.yDomain}
          marks={marks}
          cursorStep={cursorStep}
          onHover={onHover}
          yLabel={props.yLabel}
          sparse={sparse}
        />
      </div>
      <ChartLegend series={series} />
    </section>
  );
}

/** Memoised: a chart redraws only when its own rows, options or the shared cursor change. */
export const MetricChart = memo(MetricChartImpl);
