/**
 * Mixup diagnostics: the λ histogram against the Beta(α,α) density, mask mean against λ with the
 * y = x line and the margin band, mask statistics of the probe pairs over time, and a visible warning
 * when the masks collapse.
 */
import { useMemo } from 'react';
import {
  Bar,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { StepMetrics } from '../core/trainerTypes';
import { COLLAPSE_GRACE_STEPS, betaPdf, collapseWarning, histogram, maskStats } from '../ui/diagnostics';
import type { MaskFrame } from '../ui/maskHistory';

interface Props {
  metrics: StepMetrics[];
  frames: MaskFrame[];
  alpha: number;
  margin: number;
  size: { width: number; height: number } | null;
  lams: number[];
  version: number;
  /** Collapse warnings only make sense for learned masks (Mixup's mask is constant by design). */
  checkCollapse: boolean;
}

const BINS = 20;

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

export function Diagnostics({ metrics, frames, alpha, margin, size, lams, version, checkCollapse }: Props) {
  const hist = useMemo(() => {
    const h = histogram(
      metrics.map((m) => m.lamBb),
      BINS,
    );
    return h.map((b) => ({ ...b, beta: betaPdf(b.x, alpha, alpha) }));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [metrics, alpha, version]);

  const scatter = useMemo(
    () =>
      metrics
        .filter((m) => Number.isFinite(m.maskMean))
        .slice(-300)
        .map((m) => ({ lam: m.lamBb, mean: m.maskMean })),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [metrics, version],
  );
  const band = [0, 1].map((x) => ({ lam: x, ideal: x, lo: x - margin, hi: x + margin }));

  const stats = useMemo(() => {
    if (!size) return [];
    // Every other frame at most 300 points; each frame's statistics are computed once (cached).
    const stride = Math.max(1, Math.ceil(frames.length / 300));
    return frames
      .filter((_, i) => i % stride === 0 || i === frames.length - 1)
      .map((f) => frameStats(f, size));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [frames, size, version]);

  const last = frames[frames.length - 1];
  const warning =
    checkCollapse && last && last.step >= COLLAPSE_GRACE_STEPS && size
      ? collapseWarning(
          last.masks.map((q) => Array.from(q, (v) => v / 255)),
          lams,
          size.width,
          size.height,
        )
      : null;

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
        <figure aria-label="λ histogram against the Beta density">
          <figcaption>
            λ of the backbone mix vs Beta({alpha},{alpha})
          </figcaption>
          <ResponsiveContainer width="100%" height={150}>
            <ComposedChart data={hist}>
              <CartesianGrid stroke="#eee" />
              <XAxis dataKey="x" type="number" domain={[0, 1]} tick={{ fontSize: 10 }} />
              <YAxis tick={{ fontSize: 10 }} width={28} />
              <Bar dataKey="density" fill="#93c5fd" isAnimationActive={false} name="λ drawn" />
              <Line
                dataKey="beta"
                stroke="#1d4ed8"
                dot={false}
                isAnimationActive={false}
                name="Beta density"
              />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
        <figure aria-label="Mask mean against λ">
          <figcaption>mask mean (weight of A) vs λ, band ±{margin}</figcaption>
          <ResponsiveContainer width="100%" height={150}>
            <ComposedChart data={band}>
              <CartesianGrid stroke="#eee" />
              <XAxis dataKey="lam" type="number" domain={[0, 1]} tick={{ fontSize: 10 }} />
              <YAxis type="number" domain={[0, 1]} tick={{ fontSize: 10 }} width={28} allowDataOverflow />
              <Line dataKey="ideal" stroke="#111827" dot={false} isAnimationActive={false} name="y = x" />
              <Line
                dataKey="lo"
                stroke="#9ca3af"
                strokeDasharray="3 3"
                dot={false}
                isAnimationActive={false}
                legendType="none"
              />
              <Line
                dataKey="hi"
                stroke="#9ca3af"
                strokeDasharray="3 3"
                dot={false}
                isAnimationActive={false}
                legendType="none"
              />
              <Scatter
                data={scatter}
                dataKey="mean"
                fill="#dc2626"
                isAnimationActive={false}
                name="steps"
                shape="circle"
              />
            </ComposedChart>
          </ResponsiveContainer>
        </figure>
        <figure aria-label="Mask statistics over time">
          <figcaption>probe mask statistics over time</figcaption>
          <ResponsiveContainer width="100%" height={150}>
            <LineChart data={stats}>
              <CartesianGrid stroke="#eee" />
              <XAxis dataKey="step" type="number" domain={['dataMin', 'dataMax']} tick={{ fontSize: 10 }} />
              <YAxis domain={[0, 1]} tick={{ fontSize: 10 }} width={28} />
              <Tooltip isAnimationActive={false} />
              <Legend wrapperStyle={{ fontSize: 10 }} />
              <Line dataKey="mean" stroke="#2563eb" dot={false} isAnimationActive={false} />
              <Line dataKey="variance" stroke="#dc2626" dot={false} isAnimationActive={false} />
              <Line dataKey="binariness" stroke="#059669" dot={false} isAnimationActive={false} />
              <Line
                dataKey="tv"
                stroke="#d97706"
                dot={false}
                isAnimationActive={false}
                name="total variation"
              />
            </LineChart>
          </ResponsiveContainer>
        </figure>
      </div>
    </section>
  );
}
