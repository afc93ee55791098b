/**
 * Mixup diagnostics: the λ histogram against the Beta(α,α) density, mask mean against λ with the
 * y = x line and the margin band, mask statistics of the probe pairs over time, and a visible warning
 * when the masks collapse.
 */
import { memo, useMemo } from 'react';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import type { MaskFrame } from '../export/maskHistory';
import { COLLAPSE_GRACE_STEPS, collapseWarning } from '../ui/diagnostics';
import { KeptFigure, LamFigure, ShareFigure, StatsFigure } from './DiagnosticsFigures';

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

function DiagnosticsImpl(props: Props) {
  const { alpha, margin, size, lams, checkCollapse, frames } = props;
  const last = frames[frames.length - 1];
  // Computed once per new probe frame (about once a second), not per metrics batch.
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
        <span>{props.metrics.length} steps</span>
      </header>
      {warning && (
        <div role="alert" className="banner error" data-testid="collapse-warning">
          {warning}
        </div>
      )}
      <div className="diag-grid">
        <LamFigure metrics={props.metrics} alpha={alpha} />
        <ShareFigure metrics={props.metrics} margin={margin} />
        <StatsFigure frames={frames} size={size} />
        <KeptFigure evals={props.evals} />
      </div>
    </section>
  );
}

/**
 * Memoised; on a metrics batch only this component and the figures' throttles re-run: each plot
 * takes new values once a second in a turn of its own (DiagnosticsFigures.tsx).
 */
export const Diagnostics = memo(DiagnosticsImpl);
