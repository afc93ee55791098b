/**
 * Runs the queue of a comparison one entry after another. No TF.js here: trainers come from an
 * injected factory, so the browser worker and the headless command share this loop, and tests
 * drive it with a fake trainer.
 *
 * Per entry: create the trainer, step to `config.steps` with one readback every `reportEvery`
 * steps, evaluate every `config.evalEvery` steps and at the end, always dispose. A failing entry
 * is recorded (its `error` says why) and the queue continues; a stop request ends the queue.
 */
import type { RunConfig } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import { MAX_METRIC_POINTS, type CompareEntry, type CompareRunResult } from './types';

/**
 * The part of the trainer API a comparison uses. `P` is the trainer's pending-step handle (the
 * real `Trainer` returns `PendingStep`s and reads them back); the real `Trainer` and the worker's
 * `TrainerLike` both satisfy it structurally.
 */
export interface TrainerLikeForCompare<P = unknown> {
  readonly stepCount: number;
  step(part?: StepPart): P;
  read(pending: P[]): Promise<StepMetrics[]>;
  evaluate(): Promise<EvalResult>;
  /** Not called by the runner; listed so a caller can show the same probe pair per method. */
  probe?(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult>;
  dispose(): void;
}

export interface CompareDeps {
  /** A fresh trainer for one entry (the dataset is the factory's business). May be async. */
  createTrainer(config: RunConfig): TrainerLikeForCompare | Promise<TrainerLikeForCompare>;
  /** Monotonic clock in ms (`performance.now`). */
  now(): number;
  /** Lets other work in between steps (queued worker messages, a stop request). */
  yieldNow(): Promise<void>;
  /** Checked before every step: true ends the queue after disposing the current trainer. */
  shouldStop(): boolean;
}

export interface CompareHooks {
  /** After every readback (the last one is at the entry's end): `step` of `total` steps of entry `index`. */
  onProgress(index: number, step: number, total: number): void;
  /** The step metrics of one readback (unthinned; `msPerStep` is the interval's amortised time). */
  onMetrics?(index: number, points: StepMetrics[]): void;
  /** Each evaluation as it happens. */
  onEval?(index: number, e: EvalResult): void;
  /** Once per entry that was started, completed or not. */
  onResult(index: number, r: CompareRunResult): void;
}

export interface CompareOptions {
  /** Steps per readback (one GPU→host sync each). */
  reportEvery: number;
}

/** Keeps the metrics of steps that are multiples of `stride`, plus the last step read. */
class Thinner {
  private readonly kept: StepMetrics[] = [];
  private last: StepMetrics | null = null;
  constructor(private readonly stride: number) {}
  add(points: StepMetrics[], firstStep: number): void {
    points.forEach((p, i) => {
      if ((firstStep + i) % this.stride === 0) this.kept.push(p);
      this.last = p;
    });
  }
  result(): StepMetrics[] {
    const out = [...this.kept];
    if (this.last && out[out.length - 1] !== this.last) out.push(this.last);
    return out;
  }
}

/**
 * Median of a multiset given as `[value, count]` runs (each readback interval contributes one value
 * for all its steps). NaN when empty.
 */
export function weightedMedian(runs: Array<[number, number]>): number {
  const sorted = runs.filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return NaN;
  const nth = (k: number): number => {
    let seen = 0;
    for (const [v, c] of sorted) {
      seen += c;
      if (k < seen) return v;
    }
    return sorted[sorted.length - 1][0];
  };
  return total % 2 === 1 ? nth((total - 1) / 2) : (nth(total / 2 - 1) + nth(total / 2)) / 2;
}

/** Maximum of the finite values; NaN when there is none. */
function finiteMax(values: number[]): number {
  return values.reduce((m, v) => (Number.isFinite(v) && !(v <= m) ? v : m), NaN);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Thrown inside an entry when `shouldStop()` turned true. */
class StopRequest extends Error {}

/**
 * Runs one entry. Always disposes its trainer and never throws: a failure (or a stop request)
 * ends up in `error`, with `stopped` telling the queue to end.
 */
async function runEntry(
  index: number,
  entry: CompareEntry,
  deps: CompareDeps,
  hooks: CompareHooks,
  reportEvery: number,
): Promise<{ result: CompareRunResult; stopped: boolean }> {
  const cfg = entry.config;
  const total = cfg.steps;
  const evals: EvalResult[] = [];
  const intervals: Array<[number, number]> = [];
  const thinner = new Thinner(Math.max(1, Math.ceil(total / MAX_METRIC_POINTS)));
  let done = 0;
  let error = '';
  let stopped = false;
  let trainer: TrainerLikeForCompare | null = null;
  let phase = 'creating the trainer';
  let pending: unknown[] = [];
  let stepMs = 0;
  const flush = async (t: TrainerLikeForCompare): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    phase = `reading back steps ${done - batch.length + 1}–${done}`;
    const t0 = deps.now();
    const points = await t.read(batch);
    const perStep = (stepMs + deps.now() - t0) / Math.max(1, points.length);
    stepMs = 0;
    for (const p of points) p.msPerStep = perStep;
    intervals.push([perStep, points.length]);
    thinner.add(points, done - batch.length + 1);
    hooks.onMetrics?.(index, points);
    hooks.onProgress(index, done, total);
  };
  try {
    trainer = await deps.createTrainer(cfg);
    while (done < total) {
      if (deps.shouldStop()) throw new StopRequest(`stopped at step ${done} of ${total}`);
      phase = `step ${done + 1}`;
      const t0 = deps.now();
      pending.push(trainer.step());
      stepMs += deps.now() - t0;
      done += 1;
      const evalDue = done % cfg.evalEvery === 0 || done === total;
      if (evalDue || done % reportEvery === 0) await flush(trainer);
      if (evalDue) {
        phase = `evaluating at step ${done}`;
        const e = await trainer.evaluate();
        evals.push(e);
        hooks.onEval?.(index, e);
      }
      await deps.yieldNow();
    }
  } catch (e) {
    stopped = e instanceof StopRequest;
    error = stopped ? message(e) : `${phase}: ${message(e)}`;
    // Steps dispatched before the stop or failure still hold device memory: read them back.
    if (trainer && pending.length > 0) await flush(trainer).catch(() => undefined);
  } finally {
    try {
      trainer?.dispose();
    } catch (e) {
      error ||= `dispose: ${message(e)}`;
    }
  }
  const last = evals[evals.length - 1];
  const result: CompareRunResult = {
    label: entry.label,
    method: entry.method,
    seed: entry.seed,
    config: cfg,
    steps: done,
    examplesSeen: done * cfg.batch,
    finalTestAccQ: last ? last.testAccQ : NaN,
    finalTestAccK: last ? last.testAccK : NaN,
    bestTestAccQ: finiteMax(evals.map((e) => e.testAccQ)),
    bestTestAccK: finiteMax(evals.map((e) => e.testAccK)),
    finalObjectKept: last?.objectKept ?? NaN,
    msPerStep: weightedMedian(intervals),
    evals,
    metrics: thinner.result(),
    error,
  };
  return { result, stopped };
}

/**
 * Runs `entries` sequentially (see the file comment). Resolves to one result per entry that was
 * started: all of them, unless `deps.shouldStop()` ended the queue early — then the interrupted
 * entry is included with `error` "stopped at step k of n" and later entries are not.
 *
 * Timing: a step's time is its dispatch plus its share of the readback of its interval;
 * evaluations and `yieldNow` are excluded. `msPerStep` of a result is the median over its steps.
 * An entry that fails while being created, stepped, read or evaluated keeps the evaluations made
 * before the failure (its final accuracies are from the last of them, NaN if none).
 */
export async function runComparison(
  entries: CompareEntry[],
  deps: CompareDeps,
  hooks: CompareHooks,
  opts: CompareOptions,
): Promise<CompareRunResult[]> {
  if (!Number.isInteger(opts.reportEvery) || opts.reportEvery < 1) {
    throw new RangeError(`reportEvery must be a positive integer; got ${opts.reportEvery}`);
  }
  const results: CompareRunResult[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (deps.shouldStop()) break;
    const { result, stopped } = await runEntry(i, entries[i], deps, hooks, opts.reportEvery);
    results.push(result);
    hooks.onResult(i, result);
    if (stopped) break;
  }
  return results;
}
