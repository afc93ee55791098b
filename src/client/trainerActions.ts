/**
 * What the page can ask of the training worker: each action updates the client's run and state and
 * posts one typed message. `makeTrainerActions` builds them once over the trainer client
 * (trainerClient.ts), so each keeps its identity for the client's lifetime; every action that starts
 * something new goes through the client's one `beginRun`.
 */
import type { CompareEntry } from '../compare/types';
import { validateConfig, type LiveField, type RunConfig } from '../core/config';
import type { StepPart } from '../core/trainerTypes';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import type { BenchRequest, FaultKind, FromWorker, ToWorker } from '../worker/protocol';
import type { StateUpdate } from './applyMessage';
import type { RunData, TrainerState } from './runState';

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

/** How a new run begins (the client's `beginRun`). */
export interface RunStart {
  /** Put the current run aside until the worker answers (a refusal gives it back). */
  keep: boolean;
  key: string;
  config: RunConfig | null;
  /** History shown at once (a resumed or shipped run). */
  seed?: Partial<RunData> | null;
  /** Further state for the new run. */
  patch?: Partial<TrainerState>;
}

/** What the actions need of the trainer client (trainerClient.ts). */
export interface ActionHost {
  runId(): number;
  runKey(): string;
  update: StateUpdate;
  send(msg: ToWorker, transfer?: Transferable[]): void;
  /** Begins a new run (a new run id, its key, configuration and data); returns the run id. */
  beginRun(o: RunStart): number;
  /** A run key unique across page sessions. */
  freshKey(): string;
  nextImportId(): number;
  listen(listener: (msg: FromWorker) => void): () => void;
}

export function makeTrainerActions(host: ActionHost): TrainerActions {
  return {
    start: (config, autoRun) => {
      // Every field and cross-field rule, through the one validator; a refused start keeps the run.
      const { issues } = validateConfig({ ...config });
      if (config.method === 'samixp' && config.mixerBundle === '')
        issues.push({
          field: 'mixerBundle',
          message:
            'method samixp needs a pre-trained Mixer bundle: pick or import one in the Mixer bundles panel',
        });
      if (issues.length > 0) {
        const message = `Cannot start: ${issues.map((i) => i.message).join('; ')}`;
        host.update((s) => ({ ...s, errors: [...s.errors, { name: 'ConfigError', message }] }));
        return;
      }
      const key = host.freshKey();
      const runId = host.beginRun({ keep: true, key, config });
      host.send({ type: 'start', runId, config, autoRun, key });
    },
    pause: () => host.send({ type: 'pause', runId: host.runId() }),
    resume: () => host.send({ type: 'resume', runId: host.runId() }),
    stepOnce: (part = 'both') => host.send({ type: 'step', runId: host.runId(), part }),
    reset: () => {
      const runId = host.beginRun({
        keep: false,
        key: host.runKey(),
        config: null,
        patch: { status: 'idle' },
      });
      host.send({ type: 'reset', runId });
    },
    setLive: (patch) => host.send({ type: 'setLive', runId: host.runId(), patch }),
    repickProbes: (pairs) => host.send({ type: 'probe', runId: host.runId(), pairs }),
    dismissError: (index) => host.update((s) => ({ ...s, errors: s.errors.filter((_, i) => i !== index) })),
    runBench: (request) => {
      host.update((s) => ({ ...s, bench: { rows: [], done: false } }));
      host.send({ type: 'bench', request });
    },
    runSelfCheck: () => {
      host.update((s) => ({ ...s, selfCheck: { results: [], done: false } }));
      host.send({ type: 'selfCheck' });
    },
    importData: (source, options) => {
      const requestId = host.nextImportId();
      const startedAt = performance.now();
      const dataImport = {
        requestId,
        startedAt,
        phase: 'starting',
        loaded: 0,
        total: 1,
        result: null,
        error: null,
      };
      host.update((s) => ({ ...s, dataImport }));
      host.send({ type: 'importData', requestId, source, options });
    },
    deleteDataset: (name) => host.send({ type: 'deleteDataset', name }),
    runCompare: (entries) => {
      // Comparisons are not checkpointed: no configuration to restore.
      const compare = { entries, progress: null, evals: [], results: [], done: false };
      const runId = host.beginRun({ keep: false, key: host.runKey(), config: null, patch: { compare } });
      host.send({ type: 'compare', runId, entries });
    },
    injectFault: (kind) => host.send({ type: 'injectFault', kind }),
    resumeRun: (key, config, seed, autoRun) => {
      const runId = host.beginRun({ keep: true, key, config, seed });
      host.send({ type: 'restore', runId, key, autoRun });
    },
    openShippedRun: (config, seed, checkpoint, autoRun) => {
      const key = host.freshKey();
      const runId = host.beginRun({ keep: true, key, config, seed });
      const bytes = checkpoint.slice().buffer;
      host.send({ type: 'openCheckpoint', runId, key, checkpoint: bytes, autoRun }, [bytes]);
    },
    rollback: () => host.send({ type: 'rollback', runId: host.runId() }),
    send: (msg) => host.send(msg),
    subscribe: (listener) => host.listen(listener),
  };
}
