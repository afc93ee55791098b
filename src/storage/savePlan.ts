/**
 * What the autosave writes next for a live run: only the metric points, evaluations and frames
 * past the last save (a chunk), or everything the page holds (a full save, replacing the stored
 * chunks). A full save is due for a new run, when the page's run data was replaced or restored
 * to a checkpoint (the stored curves may run past it), when a save failed, and when the stored
 * chunks outgrow what the page holds (the page thins long runs; the store follows it) — so the
 * stored run never holds more than about twice what the page holds and the usual save costs the
 * same at step 100 and step 100,000. Pure TypeScript.
 */
import type { RunContent } from './runParts';

/** Chunks after which the run is written whole again (keeps reading a saved run quick). */
export const MAX_CHUNKS = 200;

/** Where the last successful save left the stored run. */
export interface SaveMark {
  runKey: string;
  /** The page's run data object and restore marker the save was taken from (compared by identity). */
  data: object;
  restored: unknown;
  /** Last step saved of metrics, evaluations and frames (-Infinity: none yet). */
  metricStep: number;
  evalStep: number;
  frameStep: number;
  /** What the store holds for the run. */
  chunks: number;
  metrics: number;
  frames: number;
}

export interface SavePlan {
  full: boolean;
  /** Sequence number of the chunk to write (0 for a full save). */
  seq: number;
  metrics: RunContent['metrics'];
  evals: RunContent['evals'];
  frames: RunContent['frames'];
  /** The mark to keep once the write succeeded. */
  next: SaveMark;
}

/** Items past `step` of an array sorted by step (scans from the end: O(new items)). */
export function after<T extends { step: number }>(xs: readonly T[], step: number): readonly T[] {
  let i = xs.length;
  while (i > 0 && xs[i - 1].step > step) i--;
  return i === xs.length ? [] : xs.slice(i);
}

const lastStep = (xs: ReadonlyArray<{ step: number }>): number =>
  xs.length > 0 ? xs[xs.length - 1].step : -Infinity;

/** Plans the next save of `data` given the last successful one (`prev`, null: none or failed). */
export function planSave(
  prev: SaveMark | null,
  runKey: string,
  data: RunContent & object,
  restored: unknown,
): SavePlan {
  const base = {
    runKey,
    data,
    restored,
    metricStep: Math.max(prev?.metricStep ?? -Infinity, lastStep(data.metrics)),
    evalStep: Math.max(prev?.evalStep ?? -Infinity, lastStep(data.evals)),
    frameStep: Math.max(prev?.frameStep ?? -Infinity, lastStep(data.frames)),
  };
  if (prev && prev.runKey === runKey && prev.data === data && prev.restored === restored) {
    const metrics = after(data.metrics, prev.metricStep);
    const evals = after(data.evals, prev.evalStep);
    const frames = after(data.frames, prev.frameStep);
    const heldMetrics = prev.metrics + metrics.length;
    const heldFrames = prev.frames + frames.length;
    const outgrown =
      prev.chunks >= MAX_CHUNKS ||
      heldMetrics > 2 * data.metrics.length + 64 ||
      heldFrames > 2 * data.frames.length + 16;
    if (!outgrown)
      return {
        full: false,
        seq: prev.chunks,
        metrics,
        evals,
        frames,
        next: { ...base, chunks: prev.chunks + 1, metrics: heldMetrics, frames: heldFrames },
      };
  }
  return {
    full: true,
    seq: 0,
    metrics: data.metrics,
    evals: data.evals,
    frames: data.frames,
    next: {
      ...base,
      metricStep: lastStep(data.metrics),
      evalStep: lastStep(data.evals),
      frameStep: lastStep(data.frames),
      chunks: 1,
      metrics: data.metrics.length,
      frames: data.frames.length,
    },
  };
}
