import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MethodName, type RunConfig } from '../core/config';
import type { Trainer } from '../core/trainer';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import type { TrainerLike } from '../worker/handler';
import { planComparison } from './plan';
import {
  runComparison,
  weightedMedian,
  type CompareDeps,
  type CompareHooks,
  type TrainerLikeForCompare,
} from './runner';
import { MAX_METRIC_POINTS, type CompareEntry, type CompareRunResult } from './types';

// Compile-time: the real Trainer and the worker's TrainerLike satisfy the runner's interface.
type Satisfies<T> = T extends TrainerLikeForCompare ? true : never;
const _realTrainer: Satisfies<Trainer> = true;
const _workerTrainer: Satisfies<TrainerLike> = true;
it('accepts the real Trainer and the worker trainer (checked by tsc)', () => {
  expect([_realTrainer, _workerTrainer]).toEqual([true, true]);
});

/** Scripted behaviour of one fake run, by method. */
interface Script {
  /** Test accuracy q per evaluation, in order (repeats the last). */
  accQ?: number[];
  /** Test accuracy k per evaluation (NaN: no momentum encoder). */
  accK?: number[];
  /** Throw in step() at this (1-based) step. */
  failAt?: number;
  /** Throw in the constructor / factory. */
  failCreate?: boolean;
  /** Clock ms per step dispatch, and per readback. */
  stepMs?: number;
  readMs?: number;
}

/** A world with a fake clock and a log of everything the trainers were asked. */
function world(scripts: Partial<Record<MethodName, Script>> = {}) {
  const log: string[] = [];
  let clock = 0;
  let live = 0;
  const trainers: FakeTrainer[] = [];

  class FakeTrainer implements TrainerLikeForCompare<number> {
    stepCount = 0;
    evals = 0;
    disposed = false;
    constructor(
      readonly cfg: RunConfig,
      readonly s: Script,
    ) {}
    step(): number {
      if (this.disposed) throw new Error('used after dispose');
      if (this.stepCount + 1 === this.s.failAt) throw new Error('NaN in loss');
      clock += this.s.stepMs ?? 1;
      return ++this.stepCount;
    }
    async read(pending: number[]): Promise<StepMetrics[]> {
      clock += this.s.readMs ?? 0;
      return pending.map((step) => ({
        step,
        epoch: step / 100,
        lamMb: NaN,
        lamBb: 0.5,
        maskMean: 0.5,
        loss: { total: 1, local: 0, global: 0, mixer: 0, mask: 0, maskL1: 0, maskVar: 0, mixQ: 1, oneQ: 0 },
        acc: { train: 0.5 },
        msPerStep: -1,
      }));
    }
    async evaluate(): Promise<EvalResult> {
      const pick = (xs: number[] | undefined, d: number): number =>
        xs ? xs[Math.min(this.evals, xs.length - 1)] : d;
      const r = { step: this.stepCount, testAccQ: pick(this.s.accQ, 0.5), testAccK: pick(this.s.accK, NaN) };
      this.evals++;
      log.push(`eval ${this.cfg.method} @${this.stepCount}`);
      return r;
    }
    dispose(): void {
      this.disposed = true;
      live--;
      log.push(`dispose ${this.cfg.method}`);
    }
  }

  let stopWhen: () => boolean = () => false;
  const deps: CompareDeps = {
    createTrainer(config) {
      const s = scripts[config.method] ?? {};
      log.push(`create ${config.method}`);
      if (s.failCreate) throw new Error('out of memory');
      if (live !== 0) throw new Error('two trainers alive at once');
      live++;
      const t = new FakeTrainer(config, s);
      trainers.push(t);
      return t;
    },
    now: () => clock,
    yieldNow: async () => undefined,
    shouldStop: () => stopWhen(),
  };
  const results: Array<[number, CompareRunResult]> = [];
  const metrics: Array<[number, StepMetrics[]]> = [];
  const progress: Array<[number, number, number]> = [];
  const hooks: CompareHooks = {
    onProgress: (i, step, total) => progress.push([i, step, total]),
    onMetrics: (i, pts) => metrics.push([i, pts]),
    onEval: (i, e) => log.push(`onEval ${i} @${e.step}`),
    onResult: (i, r) => results.push([i, r]),
  };
  return {
    log,
    deps,
    hooks,
    results,
    metrics,
    progress,
    trainers,
    stopAfter: (f: () => boolean) => (stopWhen = f),
  };
}

const cfg = (over: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG,
  steps: 25,
  evalEvery: 10,
  batch: 8,
  ...over,
});
const plan = (methods: MethodName[], over: Partial<RunConfig> = {}, seeds = 1): CompareEntry[] =>
  planComparison(cfg(over), methods, seeds);

describe('runComparison', () => {
  it('runs entries one after another, each created, evaluated and disposed before the next', async () => {
    const w = world();
    const out = await runComparison(plan(['erm', 'mixup']), w.deps, w.hooks, { reportEvery: 5 });
    expect(w.log.filter((l) => !l.startsWith('onEval'))).toEqual([
      'create erm',
      'eval erm @10',
      'eval erm @20',
      'eval erm @25',
      'dispose erm',
      'create mixup',
      'eval mixup @10',
      'eval mixup @20',
      'eval mixup @25',
      'dispose mixup',
    ]);
    expect(out.map((r) => [r.label, r.steps, r.examplesSeen, r.error])).toEqual([
      ['erm', 25, 200, ''],
      ['mixup', 25, 200, ''],
    ]);
    expect(w.results.map(([i, r]) => [i, r.label])).toEqual([
      [0, 'erm'],
      [1, 'mixup'],
    ]);
    expect(w.log.filter((l) => l.startsWith('onEval'))).toEqual([
      'onEval 0 @10',
      'onEval 0 @20',
      'onEval 0 @25',
      'onEval 1 @10',
      'onEval 1 @20',
      'onEval 1 @25',
    ]);
    expect(w.progress.filter(([i]) => i === 0).map(([, s]) => s)).toEqual([5, 10, 15, 20, 25]);
    expect(w.progress.at(-1)).toEqual([1, 25, 25]);
  });

  it('evaluates once at the end when the budget is a multiple of evalEvery', async () => {
    const w = world();
    const [r] = await runComparison(plan(['erm'], { steps: 20 }), w.deps, w.hooks, { reportEvery: 3 });
    expect(r.evals.map((e) => e.step)).toEqual([10, 20]);
  });

  it('reports final and best accuracies; k is NaN without a momentum encoder', async () => {
    const w = world({
      samix: { accQ: [0.3, 0.8, 0.6], accK: [0.4, 0.5, 0.9] },
      mixup: { accQ: [0.2, 0.7, 0.65] },
    });
    const [mix, sam] = await runComparison(plan(['mixup', 'samix']), w.deps, w.hooks, { reportEvery: 5 });
    expect([mix.finalTestAccQ, mix.bestTestAccQ]).toEqual([0.65, 0.7]);
    expect(mix.finalTestAccK).toBeNaN();
    expect(mix.bestTestAccK).toBeNaN();
    expect([sam.finalTestAccQ, sam.bestTestAccQ, sam.finalTestAccK, sam.bestTestAccK]).toEqual([
      0.6, 0.8, 0.9, 0.9,
    ]);
  });

  it('records an error mid-run, disposes the trainer and goes on with the queue', async () => {
    const w = world({ mixup: { failAt: 14, accQ: [0.42] } });
    const out = await runComparison(plan(['erm', 'mixup', 'cutmix']), w.deps, w.hooks, { reportEvery: 4 });
    expect(out.map((r) => r.label)).toEqual(['erm', 'mixup', 'cutmix']);
    const failed = out[1];
    expect(failed.error).toBe('step 14: NaN in loss');
    expect(failed.steps).toBe(13);
    expect(failed.examplesSeen).toBe(13 * 8);
    expect(failed.evals.map((e) => e.step)).toEqual([10]);
    expect(failed.finalTestAccQ).toBe(0.42);
    expect(failed.metrics.at(-1)?.step).toBe(13); // dispatched before the failure: still read back
    expect(w.trainers.map((t) => t.disposed)).toEqual([true, true, true]);
    expect(out[0].error).toBe('');
    expect(out[2].error).toBe('');
    expect(out[2].steps).toBe(25);
  });

  it('records a trainer that cannot be created and continues', async () => {
    const w = world({ erm: { failCreate: true } });
    const out = await runComparison(plan(['erm', 'mixup']), w.deps, w.hooks, { reportEvery: 5 });
    expect(out[0]).toMatchObject({ steps: 0, examplesSeen: 0, error: 'creating the trainer: out of memory' });
    expect(out[0].finalTestAccQ).toBeNaN();
    expect(out[0].msPerStep).toBeNaN();
    expect(out[1].error).toBe('');
    expect(w.trainers).toHaveLength(1);
    expect(w.trainers[0].disposed).toBe(true);
  });

  it('stops the queue on request, disposing the current trainer', async () => {
    const w = world();
    w.stopAfter(() => w.trainers.length === 2 && w.trainers[1].stepCount >= 3);
    const out = await runComparison(plan(['erm', 'mixup', 'cutmix']), w.deps, w.hooks, { reportEvery: 5 });
    expect(out.map((r) => [r.label, r.steps, r.error])).toEqual([
      ['erm', 25, ''],
      ['mixup', 3, 'stopped at step 3 of 25'],
    ]);
    expect(out[1].metrics.map((m) => m.step)).toEqual([1, 2, 3]); // pending steps are read back
    expect(w.trainers.map((t) => t.disposed)).toEqual([true, true]);
    expect(w.log).not.toContain('create cutmix');
  });

  it('times a step as its dispatch plus its share of the readback; the run reports the median', async () => {
    // reportEvery 4, evalEvery 10, 10 steps: readbacks after 4, 8, 10 steps.
    // Per-step ms: (4·1 + 8)/4 = 3 for steps 1–8, (2·1 + 8)/2 = 5 for steps 9–10 → median 3.
    const w = world({ erm: { stepMs: 1, readMs: 8 } });
    const [r] = await runComparison(plan(['erm'], { steps: 10 }), w.deps, w.hooks, { reportEvery: 4 });
    expect(w.metrics.map(([, pts]) => pts.map((p) => p.msPerStep))).toEqual([
      [3, 3, 3, 3],
      [3, 3, 3, 3],
      [5, 5],
    ]);
    expect(r.msPerStep).toBe(3);
  });

  it('thins the metrics evenly to at most 500 points, keeping the last step', async () => {
    const w = world();
    const [long, short] = await runComparison(
      [
        ...plan(['erm'], { steps: 1234, evalEvery: 1000 }),
        ...plan(['mixup'], { steps: 40, evalEvery: 1000 }),
      ],
      w.deps,
      w.hooks,
      { reportEvery: 7 },
    );
    expect(w.metrics.filter(([i]) => i === 0).flatMap(([, p]) => p)).toHaveLength(1234);
    expect(long.metrics.length).toBeLessThanOrEqual(MAX_METRIC_POINTS);
    expect(long.metrics.length).toBeGreaterThan(400);
    const steps = long.metrics.map((m) => m.step);
    expect(steps.at(-1)).toBe(1234);
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1])).toBe(true);
    expect(new Set(steps.slice(0, -1).map((s, i) => (i === 0 ? s : s - steps[i - 1])))).toEqual(new Set([3]));
    expect(short.metrics.map((m) => m.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const exact = world();
    const [r] = await runComparison(
      plan(['erm'], { steps: 1500, evalEvery: 1500 }),
      exact.deps,
      exact.hooks,
      {
        reportEvery: 50,
      },
    );
    expect(r.metrics).toHaveLength(500);
    expect(r.metrics.at(-1)?.step).toBe(1500);
  });

  it('rejects a reportEvery that is not a positive integer', async () => {
    const w = world();
    await expect(runComparison(plan(['erm']), w.deps, w.hooks, { reportEvery: 0 })).rejects.toThrow(
      /reportEvery/,
    );
  });
});

describe('weightedMedian', () => {
  it('is the median of the expanded multiset', () => {
    expect(weightedMedian([])).toBeNaN();
    expect(weightedMedian([[7, 1]])).toBe(7);
    expect(
      weightedMedian([
        [10, 2],
        [1, 1],
      ]),
    ).toBe(10);
    expect(
      weightedMedian([
        [3, 2],
        [1, 2],
      ]),
    ).toBe(2);
    expect(
      weightedMedian([
        [5, 3],
        [1, 1],
        [9, 0],
      ]),
    ).toBe(5);
  });
});
