/**
 * What the page can ask of the training worker (trainerClient.ts implements it): each action updates
 * the client's run and state and posts one typed message. The client hands them out bound, so each
 * keeps its identity for the client's lifetime.
 */
import type { CompareEntry } from '../compare/types';
import type { LiveField, RunConfig } from '../core/config';
import type { StepPart } from '../core/trainerTypes';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import type { BenchRequest, FaultKind, FromWorker, ToWorker } from '../worker/protocol';
import type { RunData } from './runState';

export interface TrainerActions {
  start(config: RunConfig, autoRun: boolean): void;
  pause(): void;
  resume(): void;
  stepOnce(part?: StepPart): void;
  reset(): void;
  setLive(patch: Partial<Pick<RunConfig, LiveField>>): void;
  repickProbes(pairs: Array<[number, number]> | null): void;
  dismissError(index: number): void;
  runBench(request: BenchRequest): void;
  /** Runs the engine's correctness checks on the active backend (stops any run). */
  runSelfCheck(): void;
  importData(source: UserDataSource, options: ImportOptions): void;
  deleteDataset(name: string): void;
  runCompare(entries: CompareEntry[]): void;
  /** Test-only: makes the worker fail the way `kind` says (e2e, window.__samix). */
  injectFault(kind: FaultKind): void;
  /**
   * Continues run `key` from its latest good checkpoint (after a reload): `seed` is the run's saved
   * history (metrics, evals, masks), cut at the checkpoint when the worker answers `restored`.
   */
  resumeRun(key: string, config: RunConfig, seed: Partial<RunData> | null, autoRun: boolean): void;
  /**
   * Continues a shipped pre-trained run (public/runs/) from its checkpoint bytes as a new run:
   * `seed` is its history (shown at once), cut at the checkpoint when the worker answers `restored`.
   */
  openShippedRun(config: RunConfig, seed: Partial<RunData>, checkpoint: Uint8Array, autoRun: boolean): void;
  /** After divergence: back to the last good checkpoint, paused. */
  rollback(): void;
  /** Sends a message to the worker (panels with their own request/answer state: Mixer bundles). */
  send(msg: ToWorker): void;
  /** Listens to every worker message; returns the unsubscribe function. */
  subscribe(listener: (msg: FromWorker) => void): () => void;
}
