/**
 * The page's one handle on the training worker, in plain TypeScript (no React): it owns the Worker
 * (created by `connect`, replaced on device loss, crash or silence, terminated by `disconnect`), the
 * run ids, the current run's data, and the run state, which it exposes as an external store
 * (`watch` + `getSnapshot`, for React's `useSyncExternalStore`; `select` reads one slice). Every new
 * run begins through `beginRun`. Worker messages update the state through applyMessage.ts; a start
 * the worker refuses gives the previous run back (keptRun.ts); failures follow recovery.ts.
 */
import { MessageCosts, timedHandler } from './messageCost';
import type { BackendName, RunConfig } from '../core/config';
import type { FromWorker, ToWorker } from '../worker/protocol';
import type { StateUpdate } from './applyMessage';
import { applyCurrent, keepRun, type RunFields } from './keptRun';
import {
  HANG_MS,
  INITIAL_RECOVERY,
  dropAfter,
  planRecovery,
  restartedFromScratch,
  restartedIdle,
  restored,
  type Failure,
  type RecoveryState,
} from './recovery';
import { EMPTY, emptyRunData, type RunData, type Traffic, type TrainerState } from './runState';
import { makeTrainerActions, type ActionHost, type RunStart, type TrainerActions } from './trainerActions';

/** What the client needs of a Worker (tests pass a fake). */
export interface WorkerLike {
  postMessage(msg: ToWorker, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: MessageEvent<FromWorker>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

/** What the page reads: the run state, the run's data and traffic, and the recovery state. */
export interface TrainerView extends TrainerState {
  data: RunData;
  traffic: Traffic;
  /** Device loss / crash recovery: phase, failed backends and the status bar line. */
  recovery: RecoveryState;
}

export interface TrainerClientOptions {
  /** Backend the first worker is forced to (null: automatic selection). */
  forcedBackend: BackendName | null;
  /** Creates a worker (default: the training worker module). */
  makeWorker?: () => WorkerLike;
  /** Let the worker accept `injectFault` (testApi.ts `testHooksWanted`). */
  testHooks?: boolean;
}

const trainingWorker = (): WorkerLike =>
  new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });

export class TrainerClient {
  /** The actions, bound: each keeps its identity for the client's lifetime. */
  readonly actions: TrainerActions;
  private state: TrainerState = EMPTY;
  private recovery: RecoveryState = INITIAL_RECOVERY;
  private snapshot: TrainerView;
  private readonly run: RunFields = {
    data: emptyRunData(),
    traffic: { bytes: 0, probes: 0, metrics: 0 },
    config: null,
    runKey: 'run-0',
    kept: null,
  };
  private runId = 0;
  private importId = 0;
  private worker: WorkerLike | null = null;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  /** Set while a fresh worker restores the run after a failure. */
  private restoring = false;
  /** What the current worker really runs on (its `backend` message). */
  private activeBackend: BackendName | null = null;
  private readonly viewers = new Set<() => void>();
  private readonly messageListeners = new Set<(msg: FromWorker) => void>();
  private readonly makeWorker: () => WorkerLike;
  /** What each kind of worker message costs the main thread (messageCost.ts). */
  readonly messageCosts = new MessageCosts();
  private readonly handle = timedHandler(this.messageCosts, (msg: FromWorker) => {
    this.onMessage(msg);
    for (const l of this.messageListeners) l(msg);
  });

  constructor(private readonly options: TrainerClientOptions) {
    this.makeWorker = options.makeWorker ?? trainingWorker;
    this.snapshot = this.view();
    this.actions = makeTrainerActions(this.actionHost());
  }

  /** Starts the worker and its watchdog (again after `disconnect`). */
  connect(): void {
    if (this.worker || this.watchdog) return;
    this.setRecovery(INITIAL_RECOVERY);
    this.spawn(this.options.forcedBackend);
    this.watchdog = setInterval(() => this.checkSilence(), 5000);
  }

  /** Terminates the worker and clears the run state. */
  disconnect(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.worker?.terminate();
    this.worker = null;
    this.update(() => EMPTY);
  }

  /** Subscribes to state changes (`useSyncExternalStore`); returns the unsubscribe function. */
  readonly watch = (listener: () => void): (() => void) => {
    this.viewers.add(listener);
    return () => void this.viewers.delete(listener);
  };

  /** The current view: a new object whenever the state, the run data or the recovery state changed. */
  readonly getSnapshot = (): TrainerView => this.snapshot;

  /** What the client holds for the current run besides the view (read by the unit tests). */
  get currentRun(): { runId: number; config: RunConfig | null; runKey: string; kept: boolean } {
    const { config, runKey, kept } = this.run;
    return { runId: this.runId, config, runKey, kept: kept !== null };
  }

  /** One slice of the view. */
  select<T>(pick: (v: TrainerView) => T): T {
    return pick(this.snapshot);
  }

  private view(): TrainerView {
    return { ...this.state, data: this.run.data, traffic: this.run.traffic, recovery: this.recovery };
  }

  private publish(): void {
    this.snapshot = this.view();
    for (const l of this.viewers) l();
  }

  private readonly update: StateUpdate = (next) => {
    const s = next(this.state);
    if (s === this.state) return;
    this.state = s;
    this.publish();
  };

  private setRecovery(r: RecoveryState): void {
    this.recovery = r;
    this.publish();
  }

  private send(msg: ToWorker, transfer?: Transferable[]): void {
    this.worker?.postMessage(msg, transfer);
  }

  /**
   * Begins a new run under a new run id (earlier runs' late messages become stale): its key,
   * configuration and data (empty, or `seed`), the per-run state cleared. @returns the run id
   */
  private beginRun(o: RunStart): number {
    this.runId += 1;
    this.run.kept = o.keep ? keepRun(this.state, this.run, this.runId) : null;
    this.run.runKey = o.key;
    this.run.config = o.config;
    this.run.data = { ...emptyRunData(), ...o.seed };
    this.update((s) => ({
      ...s,
      runId: this.runId,
      step: 0,
      epoch: 0,
      probe: null,
      runKey: o.key,
      runConfig: o.config,
      checkpoint: null,
      divergence: null,
      restored: null,
      version: s.version + 1,
      ...o.patch,
    }));
    return this.runId;
  }

  /** A key unique across page sessions (checkpoints and the saved run are filed under it). */
  private freshKey(): string {
    return `run-${Date.now().toString(36)}-${this.runId + 1}`;
  }

  /** What the actions need of the client. */
  private actionHost(): ActionHost {
    return {
      runId: () => this.runId,
      runKey: () => this.run.runKey,
      update: this.update,
      send: (msg, transfer) => this.send(msg, transfer),
      beginRun: (o) => this.beginRun(o),
      freshKey: () => this.freshKey(),
      nextImportId: () => ++this.importId,
      listen: (listener) => {
        this.messageListeners.add(listener);
        return () => void this.messageListeners.delete(listener);
      },
    };
  }

  // ---- The worker's life: spawn, messages, failures (recovery.ts decides what to do) ----

  private spawn(forced: BackendName | null): WorkerLike | null {
    let w: WorkerLike;
    try {
      w = this.makeWorker();
    } catch (e) {
      const message = `The training worker failed to start: ${String(e)}`;
      this.update((s) => ({
        ...s,
        status: 'error',
        note: 'The training worker could not be created.',
        errors: [...s.errors, { name: 'WorkerError', message }],
      }));
      return null;
    }
    this.activeBackend = null;
    w.onmessage = (e) => {
      if (w !== this.worker) return; // a terminated worker's last words
      this.lastMessageAt = performance.now();
      this.handle(e.data);
    };
    w.onerror = (e) => {
      e.preventDefault();
      if (w !== this.worker) return;
      const backend = this.activeBackend ?? this.recovery.target;
      this.recover({ kind: 'crash', backend, step: this.state.step, reason: e.message || 'unknown error' });
    };
    this.worker = w;
    this.lastMessageAt = performance.now();
    w.postMessage({ type: 'init', forced, testHooks: this.options.testHooks ?? false });
    w.postMessage({ type: 'listDatasets' });
    return w;
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'backend') this.activeBackend = msg.info.active;
    if ((msg.type === 'checkpoint' || msg.type === 'restored') && msg.runId === this.runId)
      this.run.runKey = msg.key;
    if (this.restoring && this.whileRestoring(msg)) return;
    if (msg.type === 'backendLost') {
      // Whatever run it names, this worker's backend is gone.
      const { kind, backend, step, reason, running } = msg;
      return this.recover({ kind, backend, step, reason, running });
    }
    if ('runId' in msg && msg.runId !== null && msg.runId !== this.runId) return; // stale run
    applyCurrent(msg, this.run, this.update);
  }

  /** A worker that goes silent while training (or restoring) is treated as hung. */
  private checkSilence(): void {
    if (!this.worker || (!this.restoring && this.state.status !== 'running')) return;
    if (performance.now() - this.lastMessageAt < HANG_MS) return;
    const backend = this.activeBackend ?? this.recovery.target;
    this.recover({ kind: 'hang', backend, step: this.state.step, reason: 'silent' });
  }

  /** Terminates the failed worker and starts a new one on the backend the plan picked. */
  private recover(f: Failure): void {
    // Training, or restoring a run that was training when an earlier failure hit.
    const wasRunning =
      !!f.running || this.state.status === 'running' || (this.restoring && this.recovery.resume);
    const plan = planRecovery(this.recovery, f, wasRunning);
    this.setRecovery(plan);
    this.worker?.terminate();
    this.worker = null;
    this.restoring = false;
    if (plan.phase === 'gaveUp') {
      const error = { name: 'BackendLost', message: plan.message };
      this.update((s) => ({ ...s, status: 'error', note: plan.message, errors: [...s.errors, error] }));
      return;
    }
    // The same run under a new id: the failed worker's late messages are stale from here on.
    this.runId += 1;
    this.run.kept = null;
    this.update((s) => ({ ...s, runId: this.runId, backend: null, status: 'loading', note: plan.message }));
    const w = this.spawn(plan.target);
    if (!w) return;
    if (!this.run.config) {
      // Nothing to restore: the fresh worker is ready for a Start.
      this.setRecovery(restartedIdle(this.recovery, plan.target ?? 'wasm'));
      this.update((s) => ({ ...s, status: 'idle', step: 0, epoch: 0 }));
      return;
    }
    this.restoring = true;
    w.postMessage({ type: 'restore', runId: this.runId, key: this.run.runKey, autoRun: plan.resume });
  }

  /** Messages of the fresh worker while it restores: success (`restored`) or failure (`error`). */
  private whileRestoring(msg: FromWorker): boolean {
    if (msg.type === 'error' && msg.error.name !== 'CacheNote') {
      this.restartRun(msg.error.message.slice(0, 200));
      return true;
    }
    if (msg.type === 'status' && msg.runId === this.runId && msg.status === 'error') {
      this.restartRun(msg.note || 'the worker reported an error');
      return true;
    }
    if (msg.type === 'restored' && msg.runId === this.runId) {
      this.restoring = false;
      this.run.config = msg.config;
      dropAfter(this.run.data, msg.step); // curves continue from the checkpoint
      this.setRecovery(
        restored(this.recovery, msg.step, this.activeBackend ?? this.recovery.target ?? 'wasm'),
      );
      this.update((s) => ({ ...s, step: msg.step, version: s.version + 1 }));
    }
    return false;
  }

  /** A restore that failed: the same configuration again, from step 0. */
  private restartRun(why: string): void {
    this.restoring = false;
    const config = this.run.config;
    if (!config || !this.worker) return;
    const plan = this.recovery;
    const key = this.freshKey();
    const runId = this.beginRun({ keep: false, key, config });
    this.setRecovery(restartedFromScratch(plan, this.activeBackend ?? plan.target ?? 'wasm', why));
    this.send({ type: 'start', runId, config, autoRun: plan.resume, key });
  }
}
