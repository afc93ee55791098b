/**
 * Types of a method comparison : several methods, optionally several seeds, one shared
 * configuration, run as a queue. Pure types: no TF.js, no DOM, so the worker, the UI and the
 * headless `npm run compare` share them.
 */
import type { MethodName, RunConfig } from '../core/config';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';

/** One queued run of a comparison. */
export interface CompareEntry {
  /** Display name: `samix`, or `samix s2` when the comparison has several seeds. */
  label: string;
  method: MethodName;
  seed: number;
  /** The full, validated configuration of this run (the shared one with `method` and `seed` set). */
  config: RunConfig;
}

/** What one run of the queue produced. Accuracies are fractions in [0, 1]. */
export interface CompareRunResult {
  label: string;
  method: MethodName;
  seed: number;
  /** The configuration the run used (for the "diff only" view). */
  config: RunConfig;
  /** Training steps completed (less than `config.steps` when the run failed or was stopped). */
  steps: number;
  /** Training images drawn: `steps × batch`. */
  examplesSeen: number;
  /** Test accuracy of the online encoder at the last evaluation (NaN when there was none). */
  finalTestAccQ: number;
  /** Test accuracy of the momentum encoder at the last evaluation (NaN for methods without one). */
  finalTestAccK: number;
  /** Best online-encoder test accuracy over the run's evaluations (NaN when there was none). */
  bestTestAccQ: number;
  /** Best momentum-encoder test accuracy over the run's evaluations (NaN for methods without one). */
  bestTestAccK: number;
  /** Object-kept score at the last evaluation (core/objectKept.ts; NaN where it does not apply). */
  finalObjectKept: number;
  /** Median wall time per training step, ms (dispatch + amortised readback; evaluation excluded). */
  msPerStep: number;
  /** Every evaluation, in step order (every `config.evalEvery` steps and at the end). */
  evals: EvalResult[];
  /** Step metrics thinned evenly to at most {@link MAX_METRIC_POINTS} points (last step kept). */
  metrics: StepMetrics[];
  /** Empty when the run completed; otherwise why it did not (an error, or a stop request). */
  error: string;
}

/** At most this many step metrics are kept per run in {@link CompareRunResult.metrics}. */
export const MAX_METRIC_POINTS = 500;

/** Mean and sample standard deviation (n − 1) over the seeds that have a finite value. */
export interface MeanStd {
  /** NaN when no seed has a finite value. */
  mean: number;
  /** Sample standard deviation; NaN when fewer than two seeds have a finite value. */
  std: number;
  /** Number of finite values the statistics are over. */
  n: number;
}

/** One line of the results table: a method aggregated over its seeds (failed runs excluded). */
export interface CompareRow {
  method: MethodName;
  /** Row label: the method, or a variant label (e.g. `samix η=0`) when entries were labelled so. */
  label: string;
  /** Completed runs (seeds) the statistics are over. */
  n: number;
  /** Runs of this method that failed or were stopped (not in the statistics). */
  failed: number;
  /** Final test accuracy of the online encoder q. */
  finalQ: MeanStd;
  /** Final test accuracy of the momentum encoder k (NaN statistics for methods without one). */
  finalK: MeanStd;
  /** Best test accuracy of the online encoder q over each run's evaluations. */
  bestQ: MeanStd;
  /** Best test accuracy of the momentum encoder k over each run's evaluations. */
  bestK: MeanStd;
  /** Final object-kept score (NaN statistics where it does not apply: no object masks, ERM, ManifoldMix). */
  objectKept: MeanStd;
  /** Mean over seeds of each run's median ms per step. */
  msPerStep: number;
  /** `msPerStep` divided by ERM's; NaN when ERM is not in the comparison (or has no completed run). */
  ratioToErm: number;
  /** Mean training images drawn per run. */
  examplesSeen: number;
  /**
   * Whether the method trained with the clean-image CE term: always for ERM and the learned methods
   * (AutoMix, SAMix), and for hand-crafted baselines when the apples-to-apples switch was on.
   */
  cleanCE: boolean;
}

/** Columns {@link CompareRow}s can be sorted by. */
export type CompareSortKey =
  | 'method'
  | 'label'
  | 'n'
  | 'finalQ'
  | 'finalK'
  | 'bestQ'
  | 'bestK'
  | 'objectKept'
  | 'msPerStep'
  | 'ratioToErm'
  | 'examplesSeen';

/** The context printed in the table caption. */
export interface CompareMeta {
  dataset: string;
  steps: number;
  batch: number;
  /** The apples-to-apples switch (clean-image CE for hand-crafted baselines; docs/method.md). */
  cleanCE: boolean;
  seeds: number;
}
