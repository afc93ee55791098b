/**
 * The run's metrics as people read them (the Export panel's "Metrics CSV / JSON"): one row per
 * logged step, columns with readable names (docs/export-keys.md), and the test accuracies and the
 * object-kept score on the steps that were evaluated. The run bundle keeps its own exact format
 * (runBundle.ts) for re-import. Pure TypeScript.
 */
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import { csvText } from '../lib/csv';

/** A column: its name in the export and how a row gets its value (NaN = empty). */
interface Column {
  key: string;
  metric?: (m: StepMetrics) => number;
  evaluation?: (e: EvalResult) => number | undefined;
}

/** Every exported column, in order (docs/export-keys.md explains each one). */
const COLUMNS: Column[] = [
  { key: 'step' },
  { key: 'epoch', metric: (m) => m.epoch },
  { key: 'lambda_mixer', metric: (m) => m.lamMb },
  { key: 'lambda_backbone', metric: (m) => m.lamBb },
  { key: 'mask_mean_a', metric: (m) => m.maskMean },
  { key: 'loss_total', metric: (m) => m.loss.total },
  { key: 'mixer_local', metric: (m) => m.loss.local },
  { key: 'mixer_global', metric: (m) => m.loss.global },
  { key: 'mixer_objective', metric: (m) => m.loss.mixer },
  { key: 'mask_loss', metric: (m) => m.loss.mask },
  { key: 'mask_l1', metric: (m) => m.loss.maskL1 },
  { key: 'mask_variance', metric: (m) => m.loss.maskVar },
  { key: 'classifier_mixed_ce', metric: (m) => m.loss.mixQ },
  { key: 'classifier_clean_ce', metric: (m) => m.loss.oneQ },
  { key: 'train_accuracy', metric: (m) => m.acc.train },
  { key: 'ms_per_step', metric: (m) => m.msPerStep },
  { key: 'test_accuracy_online', evaluation: (e) => e.testAccQ },
  { key: 'test_accuracy_momentum', evaluation: (e) => e.testAccK },
  { key: 'object_kept', evaluation: (e) => e.objectKept },
  { key: 'knn_accuracy', evaluation: (e) => e.knnAcc },
  { key: 'linear_probe_accuracy', evaluation: (e) => e.probeAcc },
];

/** The export's column names, in order. */
export const EXPORT_COLUMNS: readonly string[] = COLUMNS.map((c) => c.key);

/** One exported row: every column, null where the step has no such value. */
export type ExportRow = Record<string, number | null>;

/**
 * Rows by step: every logged step, and every evaluated step (an evaluation at a step whose metrics
 * were not logged still gets its row), in step order.
 */
export function exportRows(metrics: readonly StepMetrics[], evals: readonly EvalResult[]): ExportRow[] {
  const byStep = new Map<number, { m?: StepMetrics; e?: EvalResult }>();
  for (const m of metrics) byStep.set(m.step, { ...byStep.get(m.step), m });
  for (const e of evals) byStep.set(e.step, { ...byStep.get(e.step), e });
  const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
  return [...byStep.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([step, { m, e }]) =>
      Object.fromEntries(
        COLUMNS.map((c) => {
          if (c.key === 'step') return [c.key, step];
          if (c.metric) return [c.key, m ? finite(c.metric(m)) : null];
          return [c.key, e ? finite(c.evaluation!(e)) : null];
        }),
      ),
    );
}

/** The rows as CSV: header line, one line per row, empty fields for missing values. */
export function exportCsv(metrics: readonly StepMetrics[], evals: readonly EvalResult[]): string {
  const rows = exportRows(metrics, evals).map((r) => EXPORT_COLUMNS.map((k) => r[k]));
  return csvText(EXPORT_COLUMNS, rows);
}

/** The rows as JSON: `{ columns, rows }`, null for missing values. */
export function exportJson(metrics: readonly StepMetrics[], evals: readonly EvalResult[]): string {
  return `${JSON.stringify({ columns: EXPORT_COLUMNS, rows: exportRows(metrics, evals) }, null, 1)}\n`;
}
