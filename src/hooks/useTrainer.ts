/**
 * The only owner of the training worker (style rule R4): created in an effect, listeners removed
 * and the worker terminated in the cleanup. Exposes the run state and actions; components never
 * touch `Worker`. Metric batches go into capped arrays held in a ref, and React state is bumped
 * once per message.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CompareEntry } from '../compare/types';
import { validateConfig, type BackendName, type LiveField, type RunConfig } from '../core/config';
import type { StepPart } from '../core/trainerTypes';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import type { BenchRequest, FaultKind, FromWorker, RunStatus, ToWorker } from '../worker/protocol';
import {
  HANG_MS,
  INITIAL_RECOVERY,
  dropAfter,
  planRecovery,
  restartedFromScratch,
  restored,
  type Failure,
  type RecoveryState,
} from './recovery';
import {
  EMPTY,
  applyMessage,
  emptyRunData,
  type RunData,
  type Traffic,
  type TrainerState,
} from './trainerState';

export type { CompareState, DataImportState, LiveMark, RunData, Traffic, TrainerState } from './trainerState';
export { MAX_POINTS } from './trainerState';

export interface TrainerApi extends TrainerState {
  data: RunData;
  traffic: Traffic;
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
  /** Device loss / crash recovery: phase, failed backends and the status bar line. */
  recovery: RecoveryState;
  /** Test-only: makes the worker fail the way `kind` says (e2e, window.__samix). */
  injectFault(kind: FaultKind): void;
  /**
   * Continues run `key` from its latest good checkpoint (after a reload): `seed` is the run's saved
   * history (metrics, evals, masks), cut at the checkpoint when the worker answers `restored`.
   */
  resumeRun(key: string, config: RunConfig, seed: Partial<RunData> | null, autoRun: boolean): void;
  /** After divergence: back to the last good checkpoint, paused. */
  rollback(): void;
  /** Sends a message to the worker (panels with their own request/answer state: Mixer bundles). */
  send(msg: ToWorker): void;
  /** Listens to every worker message; returns the unsubscribe function. */
  subscribe(listener: (msg: FromWorker) => void): () => void;
}

export function useTrainer(forcedBackend: BackendName | null): TrainerApi {
  const workerRef = useRef<Worker | null>(null);
  const runIdRef = useRef(0);
  const dataRef = useRef<RunData>(emptyRunData());
  const trafficRef = useRef<Traffic>({ bytes: 0, probes: 0, metrics: 0 });
  const [state, setState] = useState<TrainerState>(EMPTY);
  const listenersRef = useRef(new Set<(msg: FromWorker) => void>());

  const configRef = useRef<RunConfig | null>(null);
  /** Checkpoint key of the current run (from the worker's `checkpoint` / `restored` messages). */
  const runKeyRef = useRef('run-0');
  const liveRef = useRef<{ status: RunStatus; step: number; backend: BackendName | null }>({
    status: 'idle',
    step: 0,
    backend: null,
  });
  const recoveryRef = useRef<RecoveryState>(INITIAL_RECOVERY);
  const [recovery, setRecovery] = useState<RecoveryState>(INITIAL_RECOVERY);
  useEffect(() => {
    liveRef.current = { status: state.status, step: state.step, backend: state.backend?.active ?? null };
  }, [state.status, state.step, state.backend]);

  useEffect(() => {
    let worker: Worker | null = null;
    let lastMessageAt = performance.now();
    /** Set while a fresh worker restores the run after a failure. */
    let restoring = false;
    /** What the current worker really runs on (its `backend` message). */
    let activeBackend: BackendName | null = null;
    const track = (next: RecoveryState): void => {
      recoveryRef.current = next;
      setRecovery(next);
    };
    track(INITIAL_RECOVERY);

    const spawn = (forced: BackendName | null): Worker | null => {
      let w: Worker;
      try {
        w = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
      } catch (e) {
        setState((s) => ({
          ...s,
          status: 'error',
          note: 'The training worker could not be created.',
          errors: [
            ...s.errors,
            { name: 'WorkerError', message: `The training worker failed to start: ${String(e)}` },
          ],
        }));
        return null;
      }
      activeBackend = null;
      w.addEventListener('message', (e: MessageEvent<FromWorker>) => {
        if (w !== worker) return; // a terminated worker's last words
        lastMessageAt = performance.now();
        onMessage(e.data);
        for (const l of listenersRef.current) l(e.data);
      });
      w.addEventListener('error', (e: ErrorEvent) => {
        e.preventDefault();
        if (w !== worker) return;
        recover({
          kind: 'crash',
          backend: activeBackend ?? recoveryRef.current.target,
          step: liveRef.current.step,
          reason: e.message || 'unknown error',
        });
      });
      worker = w;
      workerRef.current = w;
      lastMessageAt = performance.now();
      w.postMessage({ type: 'init', forced } satisfies ToWorker);
      w.postMessage({ type: 'listDatasets' } satisfies ToWorker);
      return w;
    };

    /** Terminates the failed worker and starts a new one on the backend the plan picked. */
    const recover = (f: Failure): void => {
      // Training, or restoring a run that was training when an earlier failure hit.
      const wasRunning =
        !!f.running || liveRef.current.status === 'running' || (restoring && recoveryRef.current.resume);
      const plan = planRecovery(recoveryRef.current, f, wasRunning);
      track(plan);
      worker?.terminate();
      worker = null;
      workerRef.current = null;
      restoring = false;
      if (plan.phase === 'gaveUp') {
        setState((s) => ({
          ...s,
          status: 'error',
          note: plan.message,
          errors: [...s.errors, { name: 'BackendLost', message: plan.message }],
        }));
        return;
      }
      runIdRef.current += 1; // the failed worker's late messages are stale from here on
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        backend: null,
        status: 'loading',
        note: plan.message,
      }));
      const w = spawn(plan.target);
      if (!w || !configRef.current) return;
      restoring = true;
      w.postMessage({
        type: 'restore',
        runId: runIdRef.current,
        key: runKeyRef.current,
        autoRun: plan.resume,
      } satisfies ToWorker);
    };

    /** A restore that failed: start the same configuration again from step 0. */
    const restartRun = (why: string): void => {
      restoring = false;
      const cfg = configRef.current;
      if (!cfg || !worker) return;
      const plan = recoveryRef.current;
      runIdRef.current += 1;
      runKeyRef.current = `run-${runIdRef.current}`;
      dataRef.current = emptyRunData();
      track(restartedFromScratch(plan, activeBackend ?? plan.target ?? 'wasm', why));
      setState((s) => ({ ...s, runId: runIdRef.current, step: 0, epoch: 0, version: s.version + 1 }));
      worker.postMessage({
        type: 'start',
        runId: runIdRef.current,
        config: cfg,
        autoRun: plan.resume,
      } satisfies ToWorker);
    };

    /** Messages of the fresh worker while it restores: success (`restored`) or failure (`error`). */
    const whileRestoring = (msg: FromWorker): boolean => {
      if (msg.type === 'error' && msg.error.name !== 'CacheNote') {
        restartRun(msg.error.message.slice(0, 200));
        return true;
      }
      if (msg.type === 'status' && msg.runId === runIdRef.current && msg.status === 'error') {
        restartRun(msg.note || 'the worker reported an error');
        return true;
      }
      if (msg.type === 'restored' && msg.runId === runIdRef.current) {
        restoring = false;
        configRef.current = msg.config;
        dropAfter(dataRef.current, msg.step); // curves continue from the checkpoint
        track(restored(recoveryRef.current, msg.step, activeBackend ?? recoveryRef.current.target ?? 'wasm'));
        setState((s) => ({ ...s, step: msg.step, version: s.version + 1 }));
      }
      return false;
    };

    const onMessage = (msg: FromWorker): void => {
      if (msg.type === 'backend') activeBackend = msg.info.active;
      if ((msg.type === 'checkpoint' || msg.type === 'restored') && msg.runId === runIdRef.current)
        runKeyRef.current = msg.key;
      if (restoring && whileRestoring(msg)) return;
      if (msg.type === 'backendLost') {
        // Whatever run it names, this worker's backend is gone.
        recover({
          kind: msg.kind,
          backend: msg.backend,
          step: msg.step,
          reason: msg.reason,
          running: msg.running,
        });
        return;
      }
      if ('runId' in msg && msg.runId !== null && msg.runId !== runIdRef.current) return; // stale run
      applyMessage(msg, dataRef.current, trafficRef.current, setState);
    };

    // A worker that goes silent while training (or restoring) is treated as hung.
    const watchdog = setInterval(() => {
      if (!worker || (!restoring && liveRef.current.status !== 'running')) return;
      if (performance.now() - lastMessageAt < HANG_MS) return;
      const step = liveRef.current.step;
      recover({ kind: 'hang', backend: activeBackend ?? recoveryRef.current.target, step, reason: 'silent' });
    }, 5000);

    spawn(forcedBackend);
    return () => {
      clearInterval(watchdog);
      worker?.terminate();
      worker = null;
      workerRef.current = null;
      setState(EMPTY);
    };
  }, [forcedBackend]);

  const send = useCallback((msg: ToWorker) => workerRef.current?.postMessage(msg), []);

  const start = useCallback(
    (config: RunConfig, autoRun: boolean) => {
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
        setState((s) => ({ ...s, errors: [...s.errors, { name: 'ConfigError', message }] }));
        return;
      }
      runIdRef.current += 1;
      // Unique across page sessions: checkpoints and the saved run are filed under it.
      runKeyRef.current = `run-${Date.now().toString(36)}-${runIdRef.current}`;
      configRef.current = config;
      dataRef.current = emptyRunData();
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        step: 0,
        epoch: 0,
        probe: null,
        runKey: runKeyRef.current,
        checkpoint: null,
        divergence: null,
        restored: null,
        version: s.version + 1,
      }));
      send({ type: 'start', runId: runIdRef.current, config, autoRun, key: runKeyRef.current });
    },
    [send],
  );
  const reset = useCallback(() => {
    runIdRef.current += 1;
    configRef.current = null;
    dataRef.current = emptyRunData();
    setState((s) => ({
      ...s,
      runId: runIdRef.current,
      status: 'idle',
      step: 0,
      epoch: 0,
      probe: null,
      version: s.version + 1,
    }));
    send({ type: 'reset', runId: runIdRef.current });
  }, [send]);
  const pause = useCallback(() => send({ type: 'pause', runId: runIdRef.current }), [send]);
  const resume = useCallback(() => send({ type: 'resume', runId: runIdRef.current }), [send]);
  const stepOnce = useCallback(
    (part: StepPart = 'both') => send({ type: 'step', runId: runIdRef.current, part }),
    [send],
  );
  const setLive = useCallback(
    (patch: Partial<Pick<RunConfig, LiveField>>) => send({ type: 'setLive', runId: runIdRef.current, patch }),
    [send],
  );
  const repickProbes = useCallback(
    (pairs: Array<[number, number]> | null) => send({ type: 'probe', runId: runIdRef.current, pairs }),
    [send],
  );
  const dismissError = useCallback(
    (index: number) => setState((s) => ({ ...s, errors: s.errors.filter((_, i) => i !== index) })),
    [],
  );

  const runBench = useCallback(
    (request: BenchRequest) => {
      setState((s) => ({ ...s, bench: { rows: [], done: false } }));
      send({ type: 'bench', request });
    },
    [send],
  );

  const runSelfCheck = useCallback(() => {
    setState((s) => ({ ...s, selfCheck: { results: [], done: false } }));
    send({ type: 'selfCheck' });
  }, [send]);

  const importRef = useRef(0);
  const importData = useCallback(
    (source: UserDataSource, options: ImportOptions) => {
      importRef.current += 1;
      const requestId = importRef.current;
      setState((s) => ({
        ...s,
        dataImport: {
          requestId,
          startedAt: performance.now(),
          phase: 'starting',
          loaded: 0,
          total: 1,
          result: null,
          error: null,
        },
      }));
      send({ type: 'importData', requestId, source, options });
    },
    [send],
  );
  const runCompare = useCallback(
    (entries: CompareEntry[]) => {
      runIdRef.current += 1;
      configRef.current = null; // comparisons are not checkpointed
      dataRef.current = emptyRunData();
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        step: 0,
        probe: null,
        compare: { entries, progress: null, evals: [], results: [], done: false },
        version: s.version + 1,
      }));
      send({ type: 'compare', runId: runIdRef.current, entries });
    },
    [send],
  );
  const deleteDataset = useCallback((name: string) => send({ type: 'deleteDataset', name }), [send]);
  const injectFault = useCallback((kind: FaultKind) => send({ type: 'injectFault', kind }), [send]);
  const resumeRun = useCallback(
    (key: string, config: RunConfig, seed: Partial<RunData> | null, autoRun: boolean) => {
      runIdRef.current += 1;
      runKeyRef.current = key;
      configRef.current = config;
      dataRef.current = { ...emptyRunData(), ...seed };
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        step: 0,
        epoch: 0,
        probe: null,
        runKey: key,
        checkpoint: null,
        divergence: null,
        restored: null,
        version: s.version + 1,
      }));
      send({ type: 'restore', runId: runIdRef.current, key, autoRun });
    },
    [send],
  );
  const rollback = useCallback(() => send({ type: 'rollback', runId: runIdRef.current }), [send]);
  const subscribe = useCallback((listener: (msg: FromWorker) => void) => {
    listenersRef.current.add(listener);
    return () => void listenersRef.current.delete(listener);
  }, []);

  return useMemo(
    () => ({
      ...state,
      data: dataRef.current,
      traffic: trafficRef.current,
      start,
      pause,
      resume,
      stepOnce,
      reset,
      setLive,
      repickProbes,
      dismissError,
      runBench,
      runSelfCheck,
      importData,
      deleteDataset,
      runCompare,
      recovery,
      injectFault,
      resumeRun,
      rollback,
      send,
      subscribe,
    }),
    // dataRef.current changes identity on start/reset, which also bump `state`.
    [
      state,
      start,
      pause,
      resume,
      stepOnce,
      reset,
      setLive,
      repickProbes,
      dismissError,
      runBench,
      runSelfCheck,
      importData,
      deleteDataset,
      runCompare,
      recovery,
      injectFault,
      resumeRun,
      rollback,
      send,
      subscribe,
    ],
  );
}
