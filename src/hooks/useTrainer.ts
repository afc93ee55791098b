/**
 * The only owner of the training worker (style rule R4): created in an effect, listeners removed
 * and the worker terminated in the cleanup. Exposes the run state and actions; components never
 * touch `Worker`. Metric batches go into capped arrays held in a ref, and React state is bumped
 * once per message.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CompareEntry } from '../compare/types';
import type { BackendName, LiveField, RunConfig } from '../core/config';
import type { StepPart } from '../core/trainerTypes';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import type { BenchRequest, FromWorker, ToWorker } from '../worker/protocol';
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
  importData(source: UserDataSource, options: ImportOptions): void;
  deleteDataset(name: string): void;
  runCompare(entries: CompareEntry[]): void;
}

export function useTrainer(forcedBackend: BackendName | null): TrainerApi {
  const workerRef = useRef<Worker | null>(null);
  const runIdRef = useRef(0);
  const dataRef = useRef<RunData>(emptyRunData());
  const trafficRef = useRef<Traffic>({ bytes: 0, probes: 0, metrics: 0 });
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
        errors: [
          ...s.errors,
          { name: 'WorkerError', message: `The training worker failed to start: ${String(e)}` },
        ],
      }));
      return;
    }
    workerRef.current = worker;
    const onMessage = (e: MessageEvent<FromWorker>): void => {
      const msg = e.data;
      if ('runId' in msg && msg.runId !== null && msg.runId !== runIdRef.current) return; // stale run
      applyMessage(msg, dataRef.current, trafficRef.current, setState);
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
    worker.postMessage({ type: 'listDatasets' } satisfies ToWorker);
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
      dataRef.current = emptyRunData();
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        step: 0,
        epoch: 0,
        probe: null,
        version: s.version + 1,
      }));
      send({ type: 'start', runId: runIdRef.current, config, autoRun });
    },
    [send],
  );
  const reset = useCallback(() => {
    runIdRef.current += 1;
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
      importData,
      deleteDataset,
      runCompare,
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
      importData,
      deleteDataset,
      runCompare,
    ],
  );
}
