/**
 * The only owner of the training worker (style rule R4): created in an effect, listeners removed
 * and the worker terminated in the cleanup. Exposes the run state and actions; components never
 * touch `Worker`. Metric batches go into capped arrays held in a ref, and React state is bumped
 * once per message.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { BackendName, LiveField, RunConfig } from '../core/config';
import type { EvalResult, ProbePair, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import { appendFrame, pairKeyOf, toFrame, type MaskFrame } from '../ui/maskHistory';
import type { CompareEntry, CompareRunResult } from '../compare/types';
import type { CachedDatasetSummary } from '../worker/datasetCache';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import type {
  BackendInfo,
  BenchRequest,
  BenchRow,
  DatasetInfo,
  FromWorker,
  MemoryInfo,
  RunStatus,
  SerializedError,
  ToWorker,
} from '../worker/protocol';

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
  /** Compact mask history of the probe pairs (the timeline). */
  frames: MaskFrame[];
  /** Source images of each set of probe pairs, by pair key. */
  images: Map<string, ProbeResult>;
}

const emptyRunData = (): RunData => ({ metrics: [], evals: [], marks: [], frames: [], images: new Map() });

export interface DataImportState {
  requestId: number;
  startedAt: number;
  phase: string;
  loaded: number;
  total: number;
  result: { info: DatasetInfo; classCounts: { train: number[]; test: number[] } } | null;
  error: SerializedError | null;
}

export interface CompareState {
  entries: CompareEntry[];
  progress: { index: number; step: number; total: number } | null;
  /** Evaluations so far, per entry (the overlay curves). */
  evals: EvalResult[][];
  results: Array<{
    result: CompareRunResult;
    probe: ProbePair | null;
    geometry: { width: number; height: number; channels: number } | null;
  }>;
  done: boolean;
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
  /** The latest user-data import: progress, then its result or its error. */
  dataImport: DataImportState | null;
  /** Datasets cached in IndexedDB. */
  cachedDatasets: CachedDatasetSummary[];
  /** FLOPs per training step and the warm-up time of the current run. */
  runInfo: { flopsPerStep: number; warmupMs: number } | null;
  /** The comparison queue, when one was started. */
  compare: CompareState | null;
  /** Rows of a side-by-side benchmark, and whether it finished. */
  bench: { rows: BenchRow[]; done: boolean } | null;
  /** Bumped whenever `data` changed. */
  version: number;
}

/** Message traffic from the worker, for the responsiveness benchmark. */
export interface Traffic {
  bytes: number;
  probes: number;
  metrics: number;
}

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
  dataImport: null,
  cachedDatasets: [],
  compare: null,
  runInfo: null,
  bench: null,
  version: 0,
};

function thin<T>(arr: T[]): T[] {
  return arr.length > MAX_POINTS ? arr.filter((_, i) => i % 2 === 0 || i === arr.length - 1) : arr;
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
      const d = dataRef.current;
      const traffic = trafficRef.current;
      if (msg.type === 'probe') {
        traffic.probes++;
        for (const p of msg.result.pairs)
          traffic.bytes += 4 * (p.imageA.length + p.imageB.length + p.mixed.length + p.mask.length);
      } else if (msg.type === 'metrics') {
        traffic.metrics++;
        traffic.bytes += msg.points.length * 200; // ~20 numbers per point, structured-cloned
      }
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
        case 'runInfo':
          setState((s) => ({ ...s, runInfo: { flopsPerStep: msg.flopsPerStep, warmupMs: msg.warmupMs } }));
          return;
        case 'eval':
          d.evals = d.evals.concat(msg.result);
          setState((s) => ({ ...s, version: s.version + 1 }));
          return;
        case 'probe':
          d.frames = appendFrame(d.frames, toFrame(msg.result));
          d.images.set(pairKeyOf(msg.result), msg.result);
          setState((s) => ({ ...s, probe: msg.result, version: s.version + 1 }));
          return;
        case 'live': {
          const label = Object.entries(msg.patch)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ');
          d.marks = d.marks.concat({ step: msg.step, label });
          setState((s) => ({ ...s, version: s.version + 1 }));
          return;
        }
        case 'dataProgress':
          setState((s) =>
            s.dataImport && s.dataImport.requestId === msg.requestId
              ? {
                  ...s,
                  dataImport: { ...s.dataImport, phase: msg.phase, loaded: msg.loaded, total: msg.total },
                }
              : msg.requestId === 0
                ? { ...s, note: `${msg.phase}: ${Math.round((100 * msg.loaded) / Math.max(1, msg.total))}%` }
                : s,
          );
          return;
        case 'dataImported':
        case 'dataFailed':
          setState((s) =>
            s.dataImport?.requestId === msg.requestId
              ? {
                  ...s,
                  dataImport: {
                    ...s.dataImport,
                    result:
                      msg.type === 'dataImported' ? { info: msg.info, classCounts: msg.classCounts } : null,
                    error: msg.type === 'dataFailed' ? msg.error : null,
                  },
                }
              : s,
          );
          return;
        case 'compareProgress':
          setState((s) =>
            s.compare
              ? {
                  ...s,
                  compare: { ...s.compare, progress: { index: msg.index, step: msg.step, total: msg.total } },
                }
              : s,
          );
          return;
        case 'compareEval':
          setState((s) => {
            if (!s.compare) return s;
            const evals = s.compare.evals.slice();
            evals[msg.index] = [...(evals[msg.index] ?? []), msg.result];
            return { ...s, compare: { ...s.compare, evals } };
          });
          return;
        case 'compareResult':
          setState((s) =>
            s.compare
              ? {
                  ...s,
                  compare: {
                    ...s.compare,
                    results: [
                      ...s.compare.results,
                      { result: msg.result, probe: msg.probe, geometry: msg.geometry },
                    ],
                  },
                }
              : s,
          );
          return;
        case 'compareDone':
          setState((s) => (s.compare ? { ...s, compare: { ...s.compare, done: true } } : s));
          return;
        case 'datasets':
          setState((s) => ({ ...s, cachedDatasets: msg.entries }));
          return;
        case 'benchRow':
          setState((s) => ({ ...s, bench: { rows: [...(s.bench?.rows ?? []), msg.row], done: false } }));
          return;
        case 'benchDone':
          setState((s) => ({ ...s, bench: { rows: msg.rows, done: true } }));
          return;
        case 'error':
          setState((s) => ({
            ...s,
            errors: [...s.errors, msg.error],
            status: msg.fatal ? 'error' : s.status,
          }));
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
