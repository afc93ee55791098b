/**
 * The one message protocol between the page and the training worker (docs/testing.md):
 * discriminated unions on `type` in both directions, a payload per variant, `runId` on every
 * run-scoped message (the page drops stale ones after a reset), batched metrics, transferable image
 * buffers, errors as data. Types and constants only: both sides import this file, so it must not
 * import TF.js.
 */
import type { BackendName, LiveField, MethodName, RunConfig } from '../core/config';
import type {
  BatchSamples,
  CheckResult,
  EvalResult,
  ProbePair,
  ProbeResult,
  StepMetrics,
  StepPart,
} from '../core/trainerTypes';
import type { CompareEntry, CompareRunResult } from '../compare/types';
import type { CachedDatasetSummary } from './datasetCache';
import type { ImportOptions, UserDataSource } from './userData';
import type { MixerFromWorker, MixerToWorker, SerializedError } from './mixerProtocol';

export type RunStatus = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'error';

/** Errors cross the boundary in the shape the Mixer protocol defines. */
export type { SerializedError } from './mixerProtocol';

/** Why a preferred backend was not used. */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
}

/** What the worker actually runs on, and why. */
export interface BackendInfo {
  /** `tf.getBackend()` after selection. */
  active: BackendName;
  /** Adapter or renderer description (e.g. "google swiftshader (software)"), or "" when unknown. */
  adapter: string;
  /** True when the active backend runs on a software rasteriser or the CPU. */
  isSoftware: boolean;
  /** The backend the user forced with `?backend=` or the picker, if any. */
  forced: BackendName | null;
  /** Backends tried before the active one, with the reason each was skipped. */
  skipped: SkippedBackend[];
  /** Milliseconds the selection took. */
  initMs: number;
}

/** What the page needs to know of a run's dataset (no pixels). */
export interface DatasetInfo {
  name: string;
  classes: string[];
  height: number;
  width: number;
  channels: number;
  trainCount: number;
  testCount: number;
}

/** Tensors and bytes held by TF.js in the worker (status bar). */
export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  /** Bytes the GPU backend holds (webgl/webgpu `numBytesInGPU`), when it reports them. */
  gpuBytes?: number;
}

/** How a backend was lost (deviceWatch.ts); a worker crash is seen by the page, not sent. */
export type BackendLossKind = 'deviceLost' | 'contextLost' | 'oom';
/** Test-only faults: each triggers the real mechanism where the browser allows it. */
export type FaultKind = BackendLossKind | 'crash';

/** A side-by-side speed measurement: every listed backend × method in one worker session. */
export interface BenchRequest {
  backends: BackendName[];
  methods: MethodName[];
  config: RunConfig;
  warmup: number;
  steps: number;
  /** Also measure dataset loads (cold, IndexedDB) and batch assembly vs a SAMix step (benchData.ts). */
  data?: boolean;
}

/** Load time of one dataset: from its source (cold) and from the IndexedDB cache (`npm run bench`). */
export interface DataLoadRow {
  dataset: string;
  /** Generate / parse from shards or files, ms. */
  coldMs: number;
  /** Writing the IndexedDB cache entry, ms (NaN: not measured). */
  cacheWriteMs: number;
  /** Loading from IndexedDB through the run's loader, ms (NaN: not cached, e.g. generated). */
  cachedMs: number;
  train: number;
  test: number;
  /** Pixel + label bytes. */
  bytes: number;
  error: string;
}

/** Batch assembly (gather + augment on the backend) against a SAMix step, per backend × dataset. */
export interface AssemblyRow {
  backend: string;
  dataset: string;
  /** Training images resident on the backend. */
  resident: number;
  uploadMs: number;
  assemblyMs: number;
  samixStepMs: number;
  /** assemblyMs / samixStepMs (must stay < 0.05). */
  ratio: number;
  error: string;
}

export interface DataBenchResult {
  loads: DataLoadRow[];
  assembly: AssemblyRow[];
}

export interface BenchRow {
  backend: BackendName;
  adapter: string;
  method: MethodName;
  /** First step including shader compilation / kernel warm-up, ms. */
  firstStepMs: number;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** numTensors after warm-up and after the timed steps (flat = no leak). */
  tensorsAfterWarmup: number;
  tensorsAfterRun: number;
  error: string;
}

export type ToWorker =
  | MixerToWorker
  | {
      type: 'init';
      forced: BackendName | null;
      /** Accept `injectFault` (the page runs under automation or with `?debug`); off by default. */
      testHooks?: boolean;
    }
  /** `key`: the run's checkpoint key (unique across page sessions); default: made unique by the worker. */
  | { type: 'start'; runId: number; config: RunConfig; autoRun: boolean; key?: string }
  | { type: 'pause'; runId: number }
  | { type: 'resume'; runId: number }
  | { type: 'step'; runId: number; part: StepPart }
  | { type: 'setLive'; runId: number; patch: Partial<Pick<RunConfig, LiveField>> }
  | { type: 'probe'; runId: number; pairs: Array<[number, number]> | null }
  | { type: 'reset'; runId: number }
  | { type: 'bench'; request: BenchRequest }
  /** Runs the engine's correctness checks on the active backend (selfCheck.ts); stops any run. */
  | { type: 'selfCheck' }
  | { type: 'importData'; requestId: number; source: UserDataSource; options: ImportOptions }
  | { type: 'compare'; runId: number; entries: CompareEntry[] }
  | { type: 'listDatasets' }
  | { type: 'deleteDataset'; name: string }
  | { type: 'injectFault'; kind: FaultKind }
  /**
   * Restores the latest good checkpoint of run `key` (loads its dataset and builds its trainer, so
   * it works in a fresh worker), tags the run `runId`, and pauses (or trains on when `autoRun`).
   * Answers `restored` then a `paused` status; an `error` when no checkpoint can be used.
   */
  | { type: 'restore'; runId: number; key: string; autoRun?: boolean }
  /**
   * Continues a run from checkpoint bytes (a shipped pre-trained run) as run `key`: like `restore`,
   * answered by `restored` then a `paused` status, or an `error` naming what is wrong with the bytes.
   */
  | { type: 'openCheckpoint'; runId: number; key: string; checkpoint: ArrayBuffer; autoRun?: boolean }
  /** After divergence: puts the current run back to its last good checkpoint, keeps it paused. */
  | { type: 'rollback'; runId: number };

export type FromWorker =
  | MixerFromWorker
  | { type: 'backend'; info: BackendInfo }
  | { type: 'status'; runId: number; status: RunStatus; step: number; epoch: number; note: string }
  | { type: 'dataset'; runId: number; info: DatasetInfo }
  | { type: 'runInfo'; runId: number; flopsPerStep: number; warmupMs: number }
  | { type: 'metrics'; runId: number; points: StepMetrics[]; memory: MemoryInfo }
  | { type: 'eval'; runId: number; result: EvalResult }
  | { type: 'probe'; runId: number; result: ProbeResult }
  /** A few mixed images of the last step's batch, sent with each probe (buffers transferred). */
  | { type: 'batch'; runId: number; samples: BatchSamples }
  | { type: 'live'; runId: number; step: number; patch: Partial<Pick<RunConfig, LiveField>> }
  | { type: 'dataProgress'; requestId: number; phase: string; loaded: number; total: number }
  | {
      type: 'dataImported';
      requestId: number;
      info: DatasetInfo;
      classCounts: { train: number[]; test: number[] };
    }
  | { type: 'dataFailed'; requestId: number; error: SerializedError }
  | { type: 'datasets'; entries: CachedDatasetSummary[] }
  | { type: 'compareProgress'; runId: number; index: number; step: number; total: number }
  | { type: 'compareEval'; runId: number; index: number; result: EvalResult }
  | {
      type: 'compareResult';
      runId: number;
      index: number;
      result: CompareRunResult;
      probe: ProbePair | null;
      geometry: { width: number; height: number; channels: number } | null;
    }
  | { type: 'compareDone'; runId: number }
  | { type: 'benchRow'; row: BenchRow }
  | { type: 'benchDone'; rows: BenchRow[] }
  | { type: 'selfCheckItem'; result: CheckResult }
  | { type: 'selfCheckDone'; backend: string; results: CheckResult[]; ms: number }
  | { type: 'benchData'; result: DataBenchResult }
  /** A checkpoint of run `key` was saved (IndexedDB) at `step`; `bytes` is its size. */
  | { type: 'checkpoint'; runId: number; key: string; step: number; bytes: number; finished: boolean }
  /** The run was put back to the checkpoint at `step` (`note`: e.g. a corrupt latest was skipped). */
  | {
      type: 'restored';
      runId: number;
      key: string;
      step: number;
      config: RunConfig;
      reason: 'restore' | 'rollback';
      note: string;
    }
  /** A loss term or the weights became non-finite or exploded; the run is paused. */
  | {
      type: 'diverged';
      runId: number;
      step: number;
      term: string;
      message: string;
      /** Step of the last good checkpoint to roll back to, or null when there is none. */
      rollbackStep: number | null;
    }
  | {
      type: 'error';
      runId: number | null;
      error: SerializedError;
      fatal: boolean;
      /** A refused start or restore: the previous run is kept, answering to this runId. */
      kept?: boolean;
    }
  | {
      type: 'backendLost';
      runId: number;
      backend: BackendName;
      kind: BackendLossKind;
      reason: string;
      step: number;
      /** The training loop was running when the backend was lost (the page resumes after restoring). */
      running: boolean;
    };

/** Posts a message, transferring the listed buffers. */
export type Post = (msg: FromWorker, transfer?: Transferable[]) => void;

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

/** Exhaustiveness guard for `switch (msg.type)`. */
export function assertNever(x: never): never {
  throw new Error(`Unhandled message: ${JSON.stringify(x)}`);
}

/** Buffers of a probe result, for zero-copy transfer. */
export function probeTransferables(r: ProbeResult): Transferable[] {
  const out: Transferable[] = [];
  for (const p of r.pairs) out.push(p.imageA.buffer, p.imageB.buffer, p.mixed.buffer, p.mask.buffer);
  return out.filter((b, i) => out.indexOf(b) === i);
}
