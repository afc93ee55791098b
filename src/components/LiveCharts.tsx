/**
 * The loss and accuracy charts with their options (smoothing, log-y): the series each scenario
 * plots, and chart rows built from the logged metrics and evaluations (live or a saved run).
 */
import { useMemo, useState } from 'react';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import type { LiveMark } from '../hooks/useTrainer';
import { MetricChart, type ChartRow, type SeriesDef } from '../charts/MetricChart';

const LOSS_SERIES: SeriesDef[] = [
  { key: 'local', label: 'local (Mixer)', color: '#2563eb' },
  { key: 'global', label: 'global (Mixer)', color: '#dc2626' },
  { key: 'mixer', label: 'η-weighted total', color: '#7c3aed' },
  { key: 'mask', label: 'mask loss', color: '#059669' },
  { key: 'mixQ', label: 'classifier mix CE', color: '#d97706' },
  { key: 'oneQ', label: 'classifier clean CE', color: '#6b7280' },
];
const ACC_SERIES: SeriesDef[] = [
  { key: 'train', label: 'train', color: '#9ca3af' },
  { key: 'testQ', label: 'test (online)', color: '#2563eb' },
  { key: 'testK', label: 'test (momentum)', color: '#dc2626' },
];

/** Self-supervised runs (docs/ssl.md): the same metric keys, named for what they hold there. */
const SSL_LOSS_SERIES: SeriesDef[] = [
  { key: 'oneQ', label: 'contrastive loss (MoCo InfoNCE, view 1)', color: '#111827' },
  { key: 'mixQ', label: 'mixed-sample contrastive (backbone)', color: '#d97706' },
  { key: 'local', label: 'local (Mixer, two-way between the 2 instances)', color: '#2563eb' },
  { key: 'global', label: 'global (Mixer, each instance vs the queue)', color: '#dc2626' },
  { key: 'mixer', label: 'η-weighted total', color: '#7c3aed' },
  { key: 'mask', label: 'mask loss', color: '#059669' },
];
const sslAccSeries = (k: number): SeriesDef[] => [
  { key: 'train', label: 'instance discrimination (train, positive above all negatives)', color: '#9ca3af' },
  { key: 'knn', label: `kNN accuracy (k=${k}, cosine)`, color: '#2563eb' },
  { key: 'probe', label: 'linear-probe accuracy (end of run)', color: '#059669' },
];

/** Chart rows are built once per logged point (points never change once logged). */
const lossRowCache = new WeakMap<StepMetrics, ChartRow>();
const accRowCache = new WeakMap<StepMetrics | EvalResult, ChartRow>();
const lossRow = (m: StepMetrics): ChartRow => {
  let r = lossRowCache.get(m);
  if (!r) lossRowCache.set(m, (r = { step: m.step, ...m.loss } as ChartRow));
  return r;
};
const trainRow = (m: StepMetrics): ChartRow => {
  let r = accRowCache.get(m);
  if (!r) accRowCache.set(m, (r = { step: m.step, train: m.acc.train }));
  return r;
};
const evalRow = (e: EvalResult): ChartRow => {
  let r = accRowCache.get(e);
  if (!r) {
    r = {
      step: e.step,
      testQ: e.testAccQ,
      testK: e.testAccK,
      knn: e.knnAcc ?? NaN,
      probe: e.probeAcc ?? NaN,
    };
    accRowCache.set(e, r);
  }
  return r;
};

const UNIT: [number, number] = [0, 1];
const EVAL_KEYS = ['testQ', 'testK', 'knn', 'probe'];

/**
 * The series a run has: a term that is 0 or missing at every step (the Mixer's terms of a
 * hand-crafted method) is left out of the chart and its legend. Before the first step every
 * series is listed.
 */
function present(series: SeriesDef[], rows: ChartRow[]): SeriesDef[] {
  if (rows.length === 0) return series; // before the first step: the legend says what will be drawn
  const seen = new Set<string>();
  for (const r of rows) {
    for (const s of series)
      if (!seen.has(s.key) && Number.isFinite(r[s.key]) && r[s.key] !== 0) seen.add(s.key);
    if (seen.size === series.length) break;
  }
  const shown = series.filter((s) => seen.has(s.key));
  return shown.length === series.length ? series : shown;
}

interface Props {
  metrics: StepMetrics[];
  evals: EvalResult[];
  marks: LiveMark[];
  /** Self-supervised run: SSL series names and the kNN hint. */
  ssl: boolean;
  knnK: number;
  evalEvery: number;
  showLoss: boolean;
  showAccuracy: boolean;
  cursorStep: number | null;
  onCursor(step: number | null): void;
}

export function LiveCharts({
  metrics,
  evals,
  marks,
  ssl,
  knnK,
  evalEvery,
  showLoss,
  showAccuracy,
  cursorStep,
  onCursor,
}: Props) {
  const [smoothing, setSmoothing] = useState(0.6);
  const [logY, setLogY] = useState(false);
  // `metrics` and `evals` are new arrays whenever points arrive, so they are the only dependencies.
  const lossRows = useMemo<ChartRow[]>(() => metrics.map(lossRow), [metrics]);
  const accRows = useMemo<ChartRow[]>(() => {
    const rows: ChartRow[] = metrics.map(trainRow);
    for (const e of evals) rows.push(evalRow(e));
    return rows.sort((a, b) => a.step - b.step);
  }, [metrics, evals]);
  const accSeries = useMemo(() => (ssl ? sslAccSeries(knnK) : ACC_SERIES), [ssl, knnK]);
  // The same array while the same series are present, so the chart's lines are not rebuilt per row.
  const allLoss = ssl ? SSL_LOSS_SERIES : LOSS_SERIES;
  const presentKeys = present(allLoss, lossRows)
    .map((s) => s.key)
    .join(',');
  const lossSeries = useMemo(
    () => allLoss.filter((s) => presentKeys.split(',').includes(s.key)),
    [allLoss, presentKeys],
  );
  const evalHint =
    evals.length === 0 && metrics.length > 0
      ? `${ssl ? 'kNN accuracy (labels used for monitoring only)' : 'Test accuracy'} appears after the first evaluation at step ${evalEvery}.`
      : undefined;

  return (
    <>
      <div className="chart-options">
        <label title="Debiased exponential moving average of the plotted series; the raw line stays faint behind. Default: 0.6.">
          Smoothing{' '}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            aria-label="Smoothing"
            onChange={(e) => setSmoothing(Number(e.target.value))}
          />{' '}
          {smoothing.toFixed(2)}
        </label>
        <label title="Logarithmic y axis for the loss chart. Default: off.">
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log-y (losses)
        </label>
      </div>
      {showLoss && (
        <MetricChart
          title="Loss components"
          series={lossSeries}
          yLabel="loss (nats)"
          rows={lossRows}
          smoothing={smoothing}
          logY={logY}
          marks={marks}
          cursorStep={cursorStep}
          onCursor={onCursor}
        />
      )}
      {showAccuracy && (
        <MetricChart
          title="Accuracy"
          series={accSeries}
          rows={accRows}
          smoothing={smoothing}
          logY={false}
          marks={marks}
          cursorStep={cursorStep}
          onCursor={onCursor}
          yDomain={UNIT}
          empty={evalHint}
          yLabel="accuracy"
          sparse={EVAL_KEYS}
        />
      )}
    </>
  );
}
