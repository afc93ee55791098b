/**
 * The plots of the mixup diagnostics, one component each. Each takes its new values through
 * `useThrottled` on its own, at most once a second, so the page's redraw queue gives every plot a
 * turn (and a task) of its own: redrawn together, the three recharts plots' store updates added up
 * to one task of 40–50 ms (docs/performance.md). What a plot draws that does not depend on the
 * steps (the Beta density, y = x and its band) keeps its identity, so recharts does not register
 * those lines again on each redraw.
 */
import { memo, useMemo } from 'react';
import { LinePlot, type PlotRow } from '../charts/LinePlot';
import { ChartLegend } from '../charts/MetricChart';
import { useThrottled } from '../charts/throttle';
import { UnitPlot, type UnitLine } from '../charts/UnitPlot';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import type { MaskFrame } from '../export/maskHistory';
import { betaPdf, histogram, histogramTop, maskStats } from '../ui/diagnostics';

/** How often a diagnostics plot takes new values (ms). */
const DIAGNOSTICS_REDRAW_MS = 1000;

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

/** λ of the backbone mix (bars) against the Beta(α, α) density it is drawn from (line). */
export const LamFigure = memo(function LamFigure(props: { metrics: StepMetrics[]; alpha: number }) {
  const metrics = useThrottled(props.metrics, DIAGNOSTICS_REDRAW_MS);
  const { alpha } = props;
  const bars = useMemo(
    () =>
      histogram(
        metrics.map((m) => m.lamBb),
        BINS,
      ).map((b) => ({ x: b.x, width: 1 / BINS, height: b.density })),
    [metrics],
  );
  // The density at the bin centres depends on α only.
  const betaLine = useMemo<UnitLine[]>(() => {
    const points = Array.from({ length: BINS }, (_, i): [number, number] => {
      const x = (i + 0.5) / BINS;
      return [x, betaPdf(x, alpha, alpha)];
    });
    return [{ points, color: '#1d4ed8' }];
  }, [alpha]);
  const yMax = histogramTop([...bars.map((b) => b.height), ...betaLine[0].points.map((p) => p[1])]);
  return (
    <figure>
      <figcaption>
        λ of the backbone mix (bars) vs Beta({alpha},{alpha}) density (line)
      </figcaption>
      <UnitPlot
        label="λ histogram against the Beta density"
        yMax={yMax}
        bars={bars}
        lines={betaLine}
        xLabel="λ (share of A)"
        yLabel="density"
      />
    </figure>
  );
});

/** A's share of the mix (1 − mean of the mask) against the λ asked, with y = x and a band. */
export const ShareFigure = memo(function ShareFigure(props: { metrics: StepMetrics[]; margin: number }) {
  const metrics = useThrottled(props.metrics, DIAGNOSTICS_REDRAW_MS);
  const { margin } = props;
  const dots = useMemo(
    () =>
      metrics
        .filter((m) => Number.isFinite(m.maskMean))
        .slice(-300)
        .map((m): [number, number] => [m.lamBb, m.maskMean]),
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
  return (
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
  );
});

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

/** Mean, variance, binariness and total variation of the probe pairs' masks over the steps. */
export const StatsFigure = memo(function StatsFigure(props: {
  frames: MaskFrame[];
  size: { width: number; height: number } | null;
}) {
  const frames = useThrottled(props.frames, DIAGNOSTICS_REDRAW_MS);
  const { size } = props;
  const rows = useMemo<PlotRow[]>(() => {
    if (!size) return [];
    // At most about 300 frames; each frame's statistics are computed once (cached).
    const stride = Math.max(1, Math.ceil(frames.length / 300));
    return frames
      .filter((_, i) => i % stride === 0 || i === frames.length - 1)
      .map((f) => frameStats(f, size))
      .map((r) => ({
        step: r.step,
        mean_raw: r.mean,
        variance_raw: r.variance,
        binariness_raw: r.binariness,
        tv_raw: r.tv,
      }));
  }, [frames, size]);
  return (
    <figure>
      <figcaption>probe mask statistics over time</figcaption>
      <TimePlot
        title="Mask statistics over time"
        data={rows}
        series={STAT_SERIES}
        yDomain={UNIT}
        yLabel="statistic"
      />
      <ChartLegend series={STAT_SERIES} />
    </figure>
  );
});

/** The object-kept score of each evaluation that measured it (objectKept.ts; 1 = image-agnostic masks). */
export const KeptFigure = memo(function KeptFigure(props: { evals: EvalResult[] }) {
  const evals = useThrottled(props.evals, DIAGNOSTICS_REDRAW_MS);
  const rows = useMemo<PlotRow[]>(
    () =>
      evals
        .filter((e) => e.objectKept !== undefined && Number.isFinite(e.objectKept))
        .map((e) => ({ step: e.step, kept_raw: e.objectKept!, chance_raw: 1 })),
    [evals],
  );
  if (rows.length === 0) return null;
  const now = rows[rows.length - 1].kept_raw as number;
  return (
    <figure data-testid="object-kept">
      <figcaption
        title={
          "Share of A's object visible in the mix plus share of B's, averaged over 64 fixed test pairs " +
          'at λ = 0.3, 0.5, 0.7. A mask that ignores the images (Mixup, a random box) scores 1; a mask ' +
          'that shows each image where its object is scores up to 2.'
        }
      >
        object kept by the masks: {now.toFixed(2)} (1 = masks that ignore the images, 2 = both objects whole)
      </figcaption>
      <TimePlot
        title="Object kept over time"
        data={rows}
        series={KEPT_SERIES}
        yDomain={KEPT_DOMAIN}
        yLabel="object kept"
        sparse={KEPT_SPARSE}
      />
    </figure>
  );
});
