/**
 * Worker supervision for useTrainer (style rule R4): creates the training worker in an effect,
 * routes its messages into the run state, and replaces it when its backend is lost, it crashes or
 * it goes silent (recovery.ts decides the backend and the status line). The worker is terminated
 * and its listeners dropped in the cleanup. Owns the run state and the refs the actions share.
 */
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type Dispatch,
  type MutableRefObject,
  type SetStateAction,
} from 'react';
import type { BackendName, RunConfig } from '../core/config';
import type { FromWorker, RunStatus, ToWorker } from '../worker/protocol';
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
import { applyCurrent, type KeptRun } from './keptRun';
import { EMPTY, emptyRunData, type RunData, type Traffic, type TrainerState } from './trainerState';

/** The run's mutable bookkeeping, shared by the supervisor and the actions (never React state). */
export interface TrainerRefs {
  workerRef: MutableRefObject<Worker | null>;
  runIdRef: MutableRefObject<number>;
  dataRef: MutableRefObject<RunData>;
  trafficRef: MutableRefObject<Traffic>;
  listenersRef: MutableRefObject<Set<(msg: FromWorker) => void>>;
  configRef: MutableRefObject<RunConfig | null>;
  /** Checkpoint key of the current run (from the worker's `checkpoint` / `restored` messages). */
  runKeyRef: MutableRefObject<string>;
  /** The run a start put aside until the worker confirms or refuses it (keptRun.ts). */
  keptRef: MutableRefObject<KeptRun | null>;
  /** The run state as last shown (what a start puts aside). */
  stateRef: MutableRefObject<TrainerState>;
}

/** What the page reads: the run state, the run's data and traffic, and the recovery state. */
export interface TrainerView extends TrainerState {
  data: RunData;
  traffic: Traffic;
  /** Device loss / crash recovery: phase, failed backends and the status bar line. */
  recovery: RecoveryState;
}

export interface Supervised {
  /** A new object whenever the run state or the recovery state changes. */
  view: TrainerView;
  setState: Dispatch<SetStateAction<TrainerState>>;
  refs: TrainerRefs;
}

/** Keeps one worker alive for `forcedBackend`; the refs and `setState` are stable for the hook's life. */
export function useWorkerSupervisor(forcedBackend: BackendName | null): Supervised {
  const workerRef = useRef<Worker | null>(null);
  const runIdRef = useRef(0);
  const dataRef = useRef<RunData>(emptyRunData());
  const trafficRef = useRef<Traffic>({ bytes: 0, probes: 0, metrics: 0 });
  const [state, setState] = useState<TrainerState>(EMPTY);
  const listenersRef = useRef(new Set<(msg: FromWorker) => void>());

  const configRef = useRef<RunConfig | null>(null);
  const runKeyRef = useRef('run-0');
  const keptRef = useRef<KeptRun | null>(null);
  const stateRef = useRef<TrainerState>(EMPTY);
  const liveRef = useRef<{ status: RunStatus; step: number; backend: BackendName | null }>({
    status: 'idle',
    step: 0,
    backend: null,
  });
  const recoveryRef = useRef<RecoveryState>(INITIAL_RECOVERY);
  const [recovery, setRecovery] = useState<RecoveryState>(INITIAL_RECOVERY);
  useEffect(() => {
    stateRef.current = state;
  }, [state]);
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
      keptRef.current = null;
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        backend: null,
        status: 'loading',
        note: plan.message,
      }));
      const w = spawn(plan.target);
      if (!w) return;
      if (!configRef.current) {
        // Nothing to restore: the fresh worker is ready for a Start.
        track(restartedIdle(recoveryRef.current, plan.target ?? 'wasm'));
        setState((s) => ({ ...s, status: 'idle', step: 0, epoch: 0 }));
        return;
      }
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
      applyCurrent(msg, { dataRef, trafficRef, configRef, runKeyRef, keptRef }, setState);
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

  const [refs] = useState<TrainerRefs>(() => ({
    workerRef,
    runIdRef,
    dataRef,
    trafficRef,
    listenersRef,
    configRef,
    runKeyRef,
    keptRef,
    stateRef,
  }));
  const view = useMemo<TrainerView>(
    () => ({ ...state, data: dataRef.current, traffic: trafficRef.current, recovery }),
    // dataRef.current changes identity on start/reset, which also bump `state`.
    [state, recovery],
  );
  return { view, setState, refs };
}
