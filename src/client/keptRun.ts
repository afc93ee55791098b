/**
 * The page's side of "a refused Start loses nothing". Start (and Resume) empties the run's view at
 * once; the run it replaces is put aside here until the worker answers for the new request. The
 * worker confirms the new run (its `dataset` or `runInfo`) and the previous run is dropped, or it
 * refuses the request and says so (an `error` with `kept`: the previous run stays in the worker,
 * answering to the new runId) and the previous run comes back as it was: curves, mask history and
 * images (the same data object, so the autosave goes on writing only what is new), config, checkpoint
 * key, step, probe and checkpoint info. Functions over the trainer client's run fields and state.
 */
import type { RunConfig } from '../core/config';
import type { FromWorker } from '../worker/protocol';
import { applyMessage, type StateUpdate } from './applyMessage';
import type { RunData, Traffic, TrainerState } from './runState';

/** What a start resets in the React state (and a refusal puts back). */
const VIEW_FIELDS = [
  'step',
  'epoch',
  'probe',
  'runKey',
  'runConfig',
  'checkpoint',
  'divergence',
  'restored',
] as const;
type KeptView = Pick<TrainerState, (typeof VIEW_FIELDS)[number]>;

/** A run put aside by a start or resume, until the worker answers request `runId`. */
export interface KeptRun {
  runId: number;
  data: RunData;
  config: RunConfig;
  runKey: string;
  view: KeptView;
}

/** Where the client holds the current run (and a kept run comes back to). */
export interface RunFields {
  data: RunData;
  traffic: Traffic;
  config: RunConfig | null;
  runKey: string;
  kept: KeptRun | null;
}

/**
 * What request `runId` may have to give back: the page's current run (`s` as last shown). Nothing
 * with no run (idle, reset, a comparison) or after a run failed (the worker holds nothing then). A
 * start over a start the worker has not answered yet keeps the run that one kept.
 */
export function keepRun(
  s: TrainerState,
  run: Pick<RunFields, 'data' | 'config' | 'runKey' | 'kept'>,
  runId: number,
): KeptRun | null {
  if (run.kept) return { ...run.kept, runId };
  const config = run.config;
  if (!config || s.status === 'idle' || s.status === 'error') return null;
  const view = Object.fromEntries(VIEW_FIELDS.map((k) => [k, s[k]])) as KeptView;
  return { runId, data: run.data, config, runKey: run.runKey, view };
}

/** How a message of the kept run's request settles it. */
export function verdictOf(kept: KeptRun, msg: FromWorker): 'restore' | 'drop' | 'wait' {
  if (!('runId' in msg) || msg.runId !== kept.runId) return 'wait';
  if (msg.type === 'error') return msg.kept ? 'restore' : msg.fatal ? 'drop' : 'wait';
  if (msg.type === 'dataset' || msg.type === 'runInfo') return 'drop'; // the new run is in place
  return msg.type === 'status' && msg.status === 'error' ? 'drop' : 'wait';
}

/** Puts the kept run back: its fields, and the state fields the start reset. */
export function restoreKept(kept: KeptRun, run: RunFields, setState: StateUpdate): void {
  const { data } = kept;
  const since = run.data; // whatever arrived for the request before its refusal
  data.metrics = data.metrics.concat(since.metrics);
  data.evals = data.evals.concat(since.evals);
  data.marks = data.marks.concat(since.marks);
  data.frames = data.frames.concat(since.frames);
  for (const [k, v] of since.images) data.images.set(k, v);
  run.data = data;
  run.config = kept.config;
  run.runKey = kept.runKey;
  setState((s) => ({ ...s, ...kept.view, version: s.version + 1 }));
}

/** A (non-stale) message of the current request: settles a kept run, then updates the run. */
export function applyCurrent(msg: FromWorker, run: RunFields, setState: StateUpdate): void {
  const kept = run.kept;
  const verdict = kept ? verdictOf(kept, msg) : 'wait';
  if (kept && verdict !== 'wait') {
    run.kept = null;
    if (verdict === 'restore') restoreKept(kept, run, setState);
  }
  applyMessage(msg, run.data, run.traffic, setState);
}
