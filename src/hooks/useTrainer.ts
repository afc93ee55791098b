/**
 * The only owner of the training worker (style rule R4): created in an effect, listeners removed
 * and the worker terminated in the cleanup. Exposes the run state and actions; components never
 * touch `Worker`. Metric batches go into capped arrays held in a ref, and React state is bumped
 * once per message.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { BackendName, LiveField, RunConfig } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import type { BackendInfo, DatasetInfo, FromWorker, MemoryInfo, RunStatus, SerializedError, ToWorker } from '../worker/protocol';

/** Points kept per run in memory; older points are thinned (every other one dropped). */
export const MAX_POINTS = 20_000;

export interface LiveMark {
  step: number;
  label: string;
}

export interface RunData {
  metrics: StepMetrics[];
  evals: EvalResult[];
  marks: LiveMark[];
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
  dataset: DatasetInfo | null;
  errors: SerializedError[];
  /** Bumped whenever `data` changed. */
  version: number;
}

export interface TrainerApi extends TrainerState {
  data: RunData;
  start(config: RunConfig, autoRun: boolean): void;
  pause(): void;
  resume(): void;
  step(part?: StepPart): void;
  reset(): void;
  setLive(patch: Partial<Pick<RunConfig, LiveField>>): void;
  repickProbes(pairs: Array<[number, number]> | null): void;
  dismissError(index: number): void;
}

const EMPTY: TrainerState = {
  backend: null,
  status: 'idle',
  step: 0,
  epoch: 0,
  note: 'Starting the training worker…',
  runId: 0,
  memory: null,
  probe: null,
  dataset: null,
  errors: [],
  version: 0,
};

function thin<T>(arr: T[]): T[] {
  return arr.length > MAX_POINTS ? arr.filter((_, i) => i % 2 === 0 || i === arr.length - 1) : arr;
}

export function useTrainer(forcedBackend: BackendName | null): TrainerApi {
  const workerRef = useRef<Worker | null>(null);
  const runIdRef = useRef(0);
  const dataRef = useRef<RunData>({ metrics: [], evals: [], marks: [] });
  const [state, setState] = useState<TrainerState>(EMPTY);

  useEffect(() => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' });
    } catch (e) {
      setState((s) => ({
        ...s,
        status: 'error',
        note: 'The training worker could not be created.',
        errors: [...s.errors, { name: 'WorkerError', message: `The training worker failed to start: ${String(e)}` }],
      }));
      return;
    }
    workerRef.current = worker;
    const onMessage = (e: MessageEvent<FromWorker>): void => {
      const msg = e.data;
      if ('runId' in msg && msg.runId !== null && msg.runId !== runIdRef.current) return; // stale run
      const d = dataRef.current;
      switch (msg.type) {
        case 'backend':
          setState((s) => ({ ...s, backend: msg.info, note: `Backend ready: ${msg.info.active}.` }));
          return;
        case 'status':
          setState((s) => ({ ...s, status: msg.status, step: msg.step, epoch: msg.epoch, note: msg.note }));
          return;
        case 'metrics': {
          d.metrics = thin(d.metrics.concat(msg.points));
          const last = msg.points[msg.points.length - 1];
          setState((s) => ({
            ...s,
            step: last ? last.step : s.step,
            epoch: last ? last.epoch : s.epoch,
            memory: msg.memory,
            version: s.version + 1,
          }));
          return;
        }
        case 'dataset':
          setState((s) => ({ ...s, dataset: msg.info }));
          return;
        case 'eval':
          d.evals = d.evals.concat(msg.result);
          setState((s) => ({ ...s, version: s.version + 1 }));
          return;
        case 'probe':
          setState((s) => ({ ...s, probe: msg.result }));
          return;
        case 'live': {
          const label = Object.entries(msg.patch)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ');
          d.marks = d.marks.concat({ step: msg.step, label });
          setState((s) => ({ ...s, version: s.version + 1 }));
          return;
        }
        case 'error':
          setState((s) => ({ ...s, errors: [...s.errors, msg.error], status: msg.fatal ? 'error' : s.status }));
          return;
      }
    };
    const onError = (e: ErrorEvent): void => {
      e.preventDefault();
      setState((s) => ({
        ...s,
        status: 'error',
        errors: [
          ...s.errors,
          { name: 'WorkerError', message: `The training worker crashed: ${e.message || 'unknown error'}` },
        ],
      }));
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.postMessage({ type: 'init', forced: forcedBackend } satisfies ToWorker);
    return () => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.terminate();
      workerRef.current = null;
      setState(EMPTY);
    };
  }, [forcedBackend]);

  const send = useCallback((msg: ToWorker) => workerRef.current?.postMessage(msg), []);

  const start = useCallback(
    (config: RunConfig, autoRun: boolean) => {
      runIdRef.current += 1;
      dataRef.current = { metrics: [], evals: [], marks: [] };
      setState((s) => ({ ...s, runId: runIdRef.current, step: 0, epoch: 0, probe: null, version: s.version + 1 }));
      send({ type: 'start', runId: runIdRef.current, config, autoRun });
    },
    [send],
  );
  const reset = useCallback(() => {
    runIdRef.current += 1;
    dataRef.current = { metrics: [], evals: [], marks: [] };
    setState((s) => ({ ...s, runId: runIdRef.current, status: 'idle', step: 0, epoch: 0, probe: null, version: s.version + 1 }));
    send({ type: 'reset', runId: runIdRef.current });
  }, [send]);
  const pause = useCallback(() => send({ type: 'pause', runId: runIdRef.current }), [send]);
  const resume = useCallback(() => send({ type: 'resume', runId: runIdRef.current }), [send]);
  const step = useCallback((part: StepPart = 'both') => send({ type: 'step', runId: runIdRef.current, part }), [send]);
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

  return useMemo(
    () => ({
      ...state,
      data: dataRef.current,
      start,
      pause,
      resume,
      step,
      reset,
      setLive,
      repickProbes,
      dismissError,
    }),
    // dataRef.current changes identity on start/reset, which also bump `state`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [state, start, pause, resume, step, reset, setLive, repickProbes, dismissError],
  );
}
