/**
 * Mixup diagnostics: the λ histogram against the Beta(α,α) density, mask mean against λ with the
 * y = x line and the margin band, mask statistics of the probe pairs over time, and a visible warning
 * when the masks collapse.
 */
import { memo, useMemo } from 'react';
import { LinePlot, type PlotRow } from '../charts/LinePlot';
import { ChartLegend } from '../charts/MetricChart';
import { useThrottled } from '../charts/throttle';
import { UnitPlot, type UnitLine } from '../charts/UnitPlot';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import { COLLAPSE_GRACE_STEPS, betaPdf, collapseWarning, histogram, maskStats } from '../ui/diagnostics';
import type { MaskFrame } from '../export/maskHistory';

interface Props {
  metrics: StepMetrics[];
  /** Evaluations: their object-kept scores are drawn over time (datasets with object masks). */
  evals: EvalResult[];
  frames: MaskFrame[];
  alpha: number;
  margin: number;
  size: { width: number; height: number } | null;
  lams: number[];
  /** Collapse warnings only make sense for learned masks (Mixup's mask is constant by design). */
  checkCollapse: boolean;
}

const BINS = 20;
const UNIT: [number, number] = [0, 1];
const NO_MARKS: Array<{ step: number; label: string }> = [];
const ignore = (): void => undefined;
const STAT_SERIES = [
  { key: 'mean', label: 'mean', color: '#2563eb' },
  { key: 'variance', label: 'variance', color: '#dc2626' },
  { key: 'binariness', label: 'binariness', color: '#059669' },
  { key: 'tv', label: 'total variation', color: '#d97706' },
];

const KEPT_SERIES = [
  { key: 'kept', label: 'object kept', color: '#7c3aed' },
  { key: 'chance', label: 'image-agnostic (1)', color: '#9ca3af' },
];
const KEPT_DOMAIN: [number, number] = [0, 2];
const KEPT_SPARSE: ReadonlySet<string> = new Set(['kept']);

interface FrameStats {
  step: number;
  mean: number;
  variance: number;
  binariness: number;
  tv: number;
}

/** Frames never change once made, so their statistics are cached by identity. */
const statsCache = new WeakMap<MaskFrame, FrameStats>();

function frameStats(f: MaskFrame, size: { width: number; height: number }): FrameStats {
  const hit = statsCache.get(f);
  if (hit) return hit;
  const s = f.masks.map((q) =>
    maskStats(
      Array.from(q, (v) => v / 255),
      size.width,
      size.height,
    ),
  );
  const avg = (k: keyof (typeof s)[number]) => s.reduce((a, b) => a + b[k], 0) / Math.max(1, s.length);
  const out = {
    step: f.step,
    mean: avg('mean'),
    variance: avg('variance'),
    binariness: avg('binariness'),
    tv: avg('totalVariation'),
  };
  statsCache.set(f, out);
  return out;
}

const DIAGNOSTICS_REDRAW_MS = 1000;

/** A small plot of raw values over steps (no smoothing, marks or cursor) in the diagnostics grid. */
function TimePlot(p: {
  title: string;
  data: PlotRow[];
  series: Parameters<typeof LinePlot>[0]['series'];
  yDomain: [number, number];
  yLabel: string;
  sparse?: Parameters<typeof LinePlot>[0]['sparse'];
}) {
  return (
    <LinePlot
      title={p.title}
      data={p.data}
      series={p.series}
      smoothed={false}
      logY={false}
      yDomain={p.yDomain}
      marks={NO_MARKS}
      cursorStep={null}
      onHover={ignore}
      height={160}
      yLabel={p.yLabel}
      sparse={p.sparse}
    />
  );
}

function DiagnosticsImpl(props: Props) {
  const { alpha, margin, size, lams, checkCollapse } = props;
  // Distributions and slow trends: redrawn once a second, in a task of their own (a redraw per
  // worker message kept the main thread busy; `npm run bench -- --part ui`).
  const metrics = useThrottled(props.metrics, DIAGNOSTICS_REDRAW_MS);
  const frames = useThrottled(props.frames, DIAGNOSTICS_REDRAW_MS);
  const hist = useMemo(() => {
    const h = histogram(
      metrics.map((m) => m.lamBb),
      BINS,
    );
    return h.map((b) => ({ ...b, beta: betaPdf(b.x, alpha, alpha) }));
  }, [metrics, alpha]);

  const scatter = useMemo(
    () =>
      metrics
        .filter((m) => Number.isFinite(m.maskMean))
        .slice(-300)
        .map((m) => ({ lam: m.lamBb, mean: m.maskMean })),
    [metrics],
  );
  const bandLines = useMemo<UnitLine[]>(
    () => [
      {
        points: [
          [0, 0],
          [1, 1],
        ],
        color: '#111827',
        label: 'y = x',
      },
      {
        points: [
          [0, -margin],
          [1, 1 - margin],
        ],
        color: '#9ca3af',
        dash: '3 3',
      },
      {
        points: [
          [0, margin],
          [1, 1 + margin],
        ],
        color: '#9ca3af',
        dash: '3 3',
      },
    ],
    [margin],
  );
  const dots = useMemo(() => scatter.map((d): [number, number] => [d.lam, d.mean]), [scatter]);
  const betaLine = useMemo<UnitLine[]>(
    () => [{ points: hist.map((b): [number, number] => [b.x, b.beta]), color: '#1d4ed8' }],
    [hist],
  );
  const bars = useMemo(() => hist.map((b) => ({ x: b.x, width: 1 / BINS, height: b.density })), [hist]);
  const histMax = useMemo(
    () =>
      Math.max(1, ...hist.map((b) => b.density), ...hist.map((b) => (Number.isFinite(b.beta) ? b.beta : 0))),
    [hist],
  );

  const stats = useMemo(() => {
    if (!size) return [];
    // Every other frame at most 300 points; each frame's statistics are computed once (cached).
    const stride = Math.max(1, Math.ceil(frames.length / 300));
    return frames
      .filter((_, i) => i % stride === 0 || i === frames.length - 1)
      .map((f) => frameStats(f, size));
  }, [frames, size]);
  const statRows = useMemo<PlotRow[]>(
    () =>
      stats.map((r) => ({
        step: r.step,
        mean_raw: r.mean,
        variance_raw: r.variance,
        binariness_raw: r.binariness,
        tv_raw: r.tv,
      })),
    [stats],
  );

  // One point per evaluation that scored the masks (objectKept.ts; 1 = masks that ignore the images).
  const keptRows = useMemo<PlotRow[]>(
    () =>
      props.evals
        .filter((e) => e.objectKept !== undefined && Number.isFinite(e.objectKept))
        .map((e) => ({ step: e.step, kept_raw: e.objectKept!, chance_raw: 1 })),
    [props.evals],
  );
  const keptNow = keptRows.length ? (keptRows[keptRows.length - 1].kept_raw as number) : null;

  const last = frames[frames.length - 1];
  const warning = useMemo(
    () =>
      checkCollapse && last && last.step >= COLLAPSE_GRACE_STEPS && size
        ? collapseWarning(
            last.masks.map((q) => Array.from(q, (v) => v / 255)),
            lams,
            size.width,
            size.height,
          )
        : null,
    [checkCollapse, last, lams, size],
  );

  return (
    <section aria-label="Mixup diagnostics" className="panel">
      <header className="panel-head">
        <h2>Mixup diagnostics</h2>
        <span>{metrics.length} steps</span>
      </header>
      {warning && (
        <div role="alert" className="banner error" data-testid="collapse-warning">
          {warning}
        </div>
      )}
      <div className="diag-grid">
        <figure>
          <figcaption>
            λ of the backbone mix (bars) vs Beta({alpha},{alpha}) density (line)
          </figcaption>
          <UnitPlot
            label="λ histogram against the Beta density"
            yMax={Math.min(histMax, 6)}
            bars={bars}
            lines={betaLine}
            xLabel="λ (share of A)"
            yLabel="density"
          />
        </figure>
        <figure>
          <figcaption>
            A&apos;s share of the mix (1 − mean of the mask m) vs λ, y = x and band ±{margin}
          </figcaption>
          <UnitPlot
            label="Mask mean against λ"
            yMax={1}
            lines={bandLines}
            dots={dots}
            xLabel="λ asked"
            yLabel="A's share"
          />
        </figure>
        <figure>
          <figcaption>probe mask statistics over time</figcaption>
          <TimePlot
            title="Mask statistics over time"
            data={statRows}
            series={STAT_SERIES}
            yDomain={UNIT}
            yLabel="statistic"
          />
          <ChartLegend series={STAT_SERIES} />
        </figure>
        {keptRows.length > 0 && (
          <figure data-testid="object-kept">
            <figcaption
              title={
                "Share of A's object visible in the mix plus share of B's, averaged over 64 fixed test pairs " +
                'at λ = 0.3, 0.5, 0.7. A mask that ignores the images (Mixup, a random box) scores 1; a mask ' +
                'that shows each image where its object is scores up to 2.'
              }
            >
              object kept by the masks: {keptNow!.toFixed(2)} (1 = masks that ignore the images, 2 = both
              objects whole)
            </figcaption>
            <TimePlot
              title="Object kept over time"
              data={keptRows}
              series={KEPT_SERIES}
              yDomain={KEPT_DOMAIN}
              yLabel="object kept"
              sparse={KEPT_SPARSE}
            />
          </figure>
        )}
      </div>
    </section>
  );
}

/**
 * Memoised; on a metrics batch only this component re-runs: its plots read values handed on once a
 * second (`useThrottled`), so they redraw at that pace, not per batch.
 */
export const Diagnostics = memo(DiagnosticsImpl);
