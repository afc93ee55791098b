/**
 * How each worker message updates the page's view of the training worker (metrics into capped
 * arrays, the mask history, imports, comparisons, benchmarks): the trainer client's reducer. The
 * state types are in runState.ts.
 */
import { appendFrame, pairKeyOf, toFrame } from '../export/maskHistory';
import { dropAfter } from './recovery';
import type { FromWorker } from '../worker/protocol';
import type { RunData, Traffic, TrainerState } from './runState';

/** Replaces the run state by a function of the current one (the client's `update`). */
export type StateUpdate = (next: (s: TrainerState) => TrainerState) => void;

/** Points kept per run in memory; older points are thinned (every other one dropped). */
export const MAX_POINTS = 20_000;

export function thin<T>(arr: T[]): T[] {
  return arr.length > MAX_POINTS ? arr.filter((_, i) => i % 2 === 0 || i === arr.length - 1) : arr;
}

/** Applies one (non-stale) worker message: run data and traffic are updated in place, React state via `setState`. */
export function applyMessage(msg: FromWorker, d: RunData, traffic: Traffic, setState: StateUpdate): void {
  if (msg.type === 'probe') {
    traffic.probes++;
    for (const p of msg.result.pairs)
      traffic.bytes += 4 * (p.imageA.length + p.imageB.length + p.mixed.length + p.mask.length);
  } else if (msg.type === 'metrics') {
    traffic.metrics++;
    traffic.bytes += msg.points.length * 200; // ~20 numbers per point, structured-cloned
  } else if (msg.type === 'batch') {
    for (const im of msg.samples.images) traffic.bytes += im.length;
  }
  switch (msg.type) {
    case 'backend':
      setState((s) => ({ ...s, backend: msg.info, note: `Backend ready: ${msg.info.active}.` }));
      return;
    case 'status':
      setState((s) => ({
        ...s,
        status: msg.status,
        step: msg.step,
        epoch: msg.epoch,
        note: msg.note,
        dataLoad: msg.status === 'loading' ? s.dataLoad : null,
      }));
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
      setState((s) => ({ ...s, dataset: msg.info, batchSamples: null, dataLoad: null }));
      return;
    case 'batch':
      setState((s) => ({ ...s, batchSamples: msg.samples }));
      return;
    case 'runInfo':
      setState((s) => ({ ...s, runInfo: { flopsPerStep: msg.flopsPerStep, warmupMs: msg.warmupMs } }));
      return;
    case 'eval':
      d.evals = thin(d.evals.concat(msg.result));
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
      setState((s) => ({
        ...s,
        runConfig: s.runConfig && { ...s.runConfig, ...msg.patch },
        version: s.version + 1,
      }));
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
            ? {
                ...s,
                note: `${msg.phase}: ${Math.round((100 * msg.loaded) / Math.max(1, msg.total))}%`,
                dataLoad: {
                  startedAt: s.dataLoad?.startedAt ?? performance.now(),
                  phase: msg.phase,
                  loaded: msg.loaded,
                  total: msg.total,
                },
              }
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
                result: msg.type === 'dataImported' ? { info: msg.info, classCounts: msg.classCounts } : null,
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
    case 'selfCheckItem':
      setState((s) => ({
        ...s,
        selfCheck: { results: [...(s.selfCheck?.results ?? []), msg.result], done: false },
      }));
      return;
    case 'selfCheckDone':
      setState((s) => ({
        ...s,
        selfCheck: { results: msg.results, done: true, backend: msg.backend, ms: msg.ms },
      }));
      return;
    case 'benchDone':
      setState((s) => ({ ...s, bench: { ...s.bench, rows: msg.rows, done: true } }));
      return;
    case 'benchData':
      setState((s) => ({ ...s, bench: { rows: s.bench?.rows ?? [], done: false, data: msg.result } }));
      return;
    case 'checkpoint': {
      const { key, step, bytes, finished } = msg;
      setState((s) => ({ ...s, runKey: key, checkpoint: { key, step, bytes, finished } }));
      return;
    }
    case 'diverged': {
      const { step, term, message, rollbackStep } = msg;
      setState((s) => ({ ...s, divergence: { step, term, message, rollbackStep } }));
      return;
    }
    case 'restored': {
      const { key, step, config, reason, note } = msg;
      dropAfter(d, step); // the curves continue from the checkpoint
      setState((s) => ({
        ...s,
        runKey: key,
        runConfig: config,
        step,
        restored: { key, step, config, reason },
        divergence: null,
        checkpoint: { key, step, bytes: s.checkpoint?.bytes ?? 0, finished: false },
        errors: note ? [...s.errors, { name: 'CheckpointNote', message: note }] : s.errors,
        version: s.version + 1,
      }));
      return;
    }
    case 'error':
      setState((s) => ({
        ...s,
        errors: [...s.errors, msg.error],
        status: msg.fatal ? 'error' : s.status,
      }));
      return;
  }
}
