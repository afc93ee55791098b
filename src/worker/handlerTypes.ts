/**
 * What the worker's message handler depends on: the trainer it drives, the injected browser-side
 * dependencies and the backend-loss watch (handler.ts re-exports all three).
 */
import type { BackendName, RunConfig } from '../core/config';
import type { CheckpointData } from '../core/checkpoint';
import type { BatchSamples, EvalResult, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import type { BackendInfo, BackendLossKind, FaultKind, MemoryInfo } from './protocol';
import type { CachedDatasetSummary } from './datasetCache';
import type { ImportOptions, Progress, UserDataSource } from './userData';
import type { CheckpointSink } from '../storage/checkpointStore';
import type { MixerStoreLike } from './mixerStore';

/** What the handler needs from a trainer (src/core/trainer.ts implements it). */
export interface TrainerLike {
  readonly stepCount: number;
  readonly epoch: number;
  step(part?: StepPart): unknown;
  read(pending: unknown[]): Promise<StepMetrics[]>;
  evaluate(): Promise<EvalResult>;
  probe(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult>;
  /** Up to k mixed images of the last step's batch (kept on the device by the step); null before one. */
  lastBatchSamples?(k: number): Promise<BatchSamples | null>;
  setLive(patch: Partial<RunConfig>): void;
  dispose(): void;
  /** Compiles kernels with a throw-away step that leaves no trace; resolves to its ms. */
  warmup?(): Promise<number>;
  /** SSL: test accuracy of a linear probe on frozen features (run once when the run finishes). */
  linearProbe?(): Promise<number>;
  /** FLOPs of one training step (for achieved GFLOP/s). */
  readonly flopsPerStep?: number;
  /** The full training state (checkpoints) and putting it back in place. */
  snapshot?(): Promise<CheckpointData>;
  restore?(c: CheckpointData): void;
}

export interface HandlerDeps {
  selectBackend(forced: BackendName | null): Promise<BackendInfo>;
  loadDataset(config: RunConfig, progress: Progress): Promise<ImageDataset>;
  /** Imports user data and keeps it for runs; resolves to the dataset (its name selects it). */
  importData(source: UserDataSource, options: ImportOptions, progress: Progress): Promise<ImageDataset>;
  listDatasets(): Promise<CachedDatasetSummary[]>;
  deleteDataset(name: string): Promise<void>;
  createTrainer(config: RunConfig, data: ImageDataset): TrainerLike;
  memory(): MemoryInfo;
  now(): number;
  /** Lets queued messages in between steps without timer throttling. */
  yieldNow(): Promise<void>;
  /** Backend-loss watch (deviceWatch.ts: device/context lost, out of memory); absent in Node tests. */
  device?: DeviceGuard;
  /** Checkpoint storage (checkpointStore.ts, IndexedDB); absent: no checkpoints, no restore. */
  checkpoints?: CheckpointSink;
  /** SAMix^P: loads what a run's trainer needs before it is created (a samixp run's Mixer bundle). */
  prepareRun?(config: RunConfig): Promise<void>;
  /** Stored Mixer bundles (mixerStore.ts, IndexedDB) and a hook when one changed (mixerMessages.ts). */
  mixers?: () => Promise<MixerStoreLike>;
  mixersChanged?(name: string): void;
}

/** What the handler needs from the backend-loss watch (src/worker/deviceWatch.ts implements it). */
export interface DeviceGuard {
  /** Throws before a step when the backend is gone (or a fault was injected). */
  check(): void;
  /** A backend loss described by an error, or null for an ordinary error. */
  classify(e: unknown): { kind: BackendLossKind; reason: string } | null;
  /** Test-only fault hook. */
  inject(kind: FaultKind): void;
  /** Told once when the backend is lost outside a step (GPUDevice.lost, webglcontextlost). */
  onLost(cb: (loss: { kind: BackendLossKind; reason: string }) => void): void;
}
