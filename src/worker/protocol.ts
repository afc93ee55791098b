/**
 * The one message protocol between the page and the training worker (style rules R3, §8):
 * discriminated unions on `type` in both directions, a payload per variant, `runId` on every
 * run-scoped message (the page drops stale ones after a reset), batched metrics, transferable image
 * buffers, errors as data. Types and constants only: both sides import this file, so it must not
 * import TF.js.
 */
import type { BackendName, LiveField, MethodName, RunConfig } from '../core/config';
import type { EvalResult, ProbePair, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import type { CompareEntry, CompareRunResult } from '../compare/types';
import type { CachedDatasetSummary } from './datasetCache';
import type { ImportOptions, UserDataSource } from './userData';

export type RunStatus = 'idle' | 'loading' | 'running' | 'paused' | 'done' | 'error';

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

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
}

/** A side-by-side speed measurement: every listed backend × method in one worker session. */
export interface BenchRequest {
  backends: BackendName[];
  methods: MethodName[];
  config: RunConfig;
  warmup: number;
  steps: number;
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
  | { type: 'init'; forced: BackendName | null }
  | { type: 'start'; runId: number; config: RunConfig; autoRun: boolean }
  | { type: 'pause'; runId: number }
  | { type: 'resume'; runId: number }
  | { type: 'step'; runId: number; part: StepPart }
  | { type: 'setLive'; runId: number; patch: Partial<Pick<RunConfig, LiveField>> }
  | { type: 'probe'; runId: number; pairs: Array<[number, number]> | null }
  | { type: 'reset'; runId: number }
  | { type: 'bench'; request: BenchRequest }
  | { type: 'importData'; requestId: number; source: UserDataSource; options: ImportOptions }
  | { type: 'compare'; runId: number; entries: CompareEntry[] }
  | { type: 'listDatasets' }
  | { type: 'deleteDataset'; name: string };

export type FromWorker =
  | { type: 'backend'; info: BackendInfo }
  | { type: 'status'; runId: number; status: RunStatus; step: number; epoch: number; note: string }
  | { type: 'dataset'; runId: number; info: DatasetInfo }
  | { type: 'runInfo'; runId: number; flopsPerStep: number; warmupMs: number }
  | { type: 'metrics'; runId: number; points: StepMetrics[]; memory: MemoryInfo }
  | { type: 'eval'; runId: number; result: EvalResult }
  | { type: 'probe'; runId: number; result: ProbeResult }
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
  | { type: 'error'; runId: number | null; error: SerializedError; fatal: boolean };

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
