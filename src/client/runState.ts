/**
 * The page's view of the training worker, as data: the state of a run (status, probes,
 * imports, comparisons, benchmarks, checkpoints), the per-run series kept outside React state, and
 * their empty values. How worker messages update them is applyMessage.ts.
 */
import type { CompareEntry, CompareRunResult } from '../compare/types';
import type {
  BatchSamples,
  CheckResult,
  EvalResult,
  ProbePair,
  ProbeResult,
  StepMetrics,
} from '../core/trainerTypes';
import type { MaskFrame } from '../export/maskHistory';
import type { RunConfig } from '../core/config';
import type { CachedDatasetSummary } from '../worker/datasetCache';
import type {
  BackendInfo,
  BenchRow,
  DataBenchResult,
  DatasetInfo,
  MemoryInfo,
  RunStatus,
  SerializedError,
} from '../worker/protocol';

export interface LiveMark {
  step: number;
  label: string;
}

export interface RunData {
  metrics: StepMetrics[];
  evals: EvalResult[];
  marks: LiveMark[];
  /** Compact mask history of the probe pairs (the timeline). */
  frames: MaskFrame[];
  /** Source images of each set of probe pairs, by pair key. */
  images: Map<string, ProbeResult>;
}

export const emptyRunData = (): RunData => ({
  metrics: [],
  evals: [],
  marks: [],
  frames: [],
  images: new Map(),
});

export interface DataImportState {
  requestId: number;
  startedAt: number;
  phase: string;
  loaded: number;
  total: number;
  result: { info: DatasetInfo; classCounts: { train: number[]; test: number[] } } | null;
  error: SerializedError | null;
}

/** A run's dataset load in progress (shards, cache), for the progress bar. */
export interface DataLoadState {
  startedAt: number;
  phase: string;
  loaded: number;
  total: number;
}

export interface CompareState {
  entries: CompareEntry[];
  progress: { index: number; step: number; total: number } | null;
  /** Evaluations so far, per entry (the overlay curves). */
  evals: EvalResult[][];
  results: Array<{
    result: CompareRunResult;
    probe: ProbePair | null;
    geometry: { width: number; height: number; channels: number } | null;
  }>;
  done: boolean;
}

export interface TrainerState {
  backend: BackendInfo | null;
  status: RunStatus;
  step: number;
  epoch: number;
  note: string;
  runId: number;
  memory: MemoryInfo | null;
  probe: ProbeResult | null;
  /** Mixed images of the last step's batch (sent with each probe). */
  batchSamples: BatchSamples | null;
  dataset: DatasetInfo | null;
  errors: SerializedError[];
  /** The latest user-data import: progress, then its result or its error. */
  dataImport: DataImportState | null;
  /** The run's dataset load, while it is loading. */
  dataLoad: DataLoadState | null;
  /** Datasets cached in IndexedDB. */
  cachedDatasets: CachedDatasetSummary[];
  /** FLOPs per training step and the warm-up time of the current run. */
  runInfo: { flopsPerStep: number; warmupMs: number } | null;
  /** The comparison queue, when one was started. */
  compare: CompareState | null;
  /** Rows of a side-by-side benchmark, and whether it finished. */
  bench: { rows: BenchRow[]; done: boolean; data?: DataBenchResult } | null;
  /** The backend self-check's verdicts so far, and whether it finished (on which backend, in how long). */
  selfCheck: { results: CheckResult[]; done: boolean; backend?: string; ms?: number } | null;
  /** Bumped whenever `data` changed. */
  version: number;
  /** Checkpoint key of the live run (also its id in the saved-runs store). */
  runKey: string;
  /** The live run's configuration (with its live changes); null with no run. */
  runConfig: RunConfig | null;
  /** The run's last saved checkpoint. */
  checkpoint: { key: string; step: number; bytes: number; finished: boolean } | null;
  /** The run diverged and is paused: what blew up, and the checkpoint step a roll-back returns to. */
  divergence: { step: number; term: string; message: string; rollbackStep: number | null } | null;
  /** The run was last put back to a checkpoint (resume after a reload or a crash, or a roll-back). */
  restored: { key: string; step: number; config: RunConfig; reason: 'restore' | 'rollback' } | null;
}

/** Message traffic from the worker, for the responsiveness benchmark. */
export interface Traffic {
  bytes: number;
  probes: number;
  metrics: number;
}

export const EMPTY: TrainerState = {
  backend: null,
  status: 'idle',
  step: 0,
  epoch: 0,
  note: 'Starting the training worker…',
  runId: 0,
  memory: null,
  probe: null,
  batchSamples: null,
  dataset: null,
  errors: [],
  dataImport: null,
  dataLoad: null,
  cachedDatasets: [],
  compare: null,
  runInfo: null,
  bench: null,
  selfCheck: null,
  version: 0,
  runKey: '',
  runConfig: null,
  checkpoint: null,
  divergence: null,
  restored: null,
};
