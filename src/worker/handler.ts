/**
 * The worker's message handler: a function of (message, post) with its dependencies injected, so
 * vitest drives it in Node without a Worker (style rule R14). It owns one run at a time, runs the
 * training loop with a generation counter (stale loops exit, R12), serialises everything that
 * touches the trainer, batches metrics (one GPU readback per report) and throttles mask probes.
 */
import type { BackendName, RunConfig } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import {
  assertNever,
  probeTransferables,
  serializeError,
  type BackendInfo,
  type MemoryInfo,
  type Post,
  type RunStatus,
  type ToWorker,
} from './protocol';
import { runBench } from './bench';
import { runCompareQueue } from './compareQueue';
import type { CachedDatasetSummary } from './datasetCache';
import type { ImportOptions, Progress, UserDataSource } from './userData';
import { findDivergence } from './divergence';
import { defaultProbePairs } from './probePairs';

/** What the handler needs from a trainer (src/core/trainer.ts implements it). */
export interface TrainerLike {
  readonly stepCount: number;
  readonly epoch: number;
  step(part?: StepPart): unknown;
  read(pending: unknown[]): Promise<StepMetrics[]>;
  evaluate(): Promise<EvalResult>;
  probe(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult>;
  setLive(patch: Partial<RunConfig>): void;
  dispose(): void;
  /** Compiles kernels with a throw-away step that leaves no trace; resolves to its ms. */
  warmup?(): Promise<number>;
  /** FLOPs of one training step (for achieved GFLOP/s). */
  readonly flopsPerStep?: number;
}

export interface HandlerDeps {
  selectBackend(forced: BackendName | null): Promise<BackendInfo>;
  loadDataset(config: RunConfig, progress: Progress): Promise<ImageDataset>;
  /** Imports user data and keeps it for runs; resolves to the dataset (its name selects it). */
  importData(source: UserDataSource, options: ImportOptions, progress: Progress): Promise<ImageDataset>;
  listDatasets(): Promise<CachedDatasetSummary[]>;
  deleteDataset(name: string): Promise<void>;
  createTrainer(config: RunConfig, data: ImageDataset): TrainerLike;
  memory(): MemoryInfo;
  now(): number;
  /** Lets queued messages in between steps without timer throttling. */
  yieldNow(): Promise<void>;
}

/** Metrics are flushed to the page at most this often (one readback each). */
export const REPORT_EVERY_MS = 250;
/** Probe masks are re-rendered at most this often. */
export const PROBE_EVERY_MS = 1000;
/** λ the probe pairs are mixed at. */
export const PROBE_LAM = 0.5;

/** Thrown by the loop when a loss diverged; the run is paused with the message. */
export class DivergenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DivergenceError';
  }
}

export function createHandler(post: Post, deps: HandlerDeps): (msg: ToWorker) => Promise<void> {
  let runId = -1;
  let generation = 0;
  let status: RunStatus = 'idle';
  let config: RunConfig | null = null;
  let trainer: TrainerLike | null = null;
  let data: ImageDataset | null = null;
  let pairs: Array<[number, number]> = [];
  let pending: unknown[] = [];
  let stepMs = 0;
  let lastFlush = 0;
  let lastProbe = -Infinity;
  let chain: Promise<unknown> = Promise.resolve();

  /** Progress callback posting at most every 100 ms (and always the final value). */
  function progressFor(requestId: number): Progress {
    let last = -Infinity;
    return (phase, loaded, total) => {
      const t = deps.now();
      if (t - last < 100 && loaded < total) return;
      last = t;
      post({ type: 'dataProgress', requestId, phase, loaded, total });
    };
  }

  function datasetInfo(d: ImageDataset) {
    return {
      name: d.name,
      classes: d.classes,
      height: d.height,
      width: d.width,
      channels: d.channels,
      trainCount: d.train.count,
      testCount: d.test.count,
    };
  }

  /** Runs `fn` after every earlier trainer operation has finished (no interleaving across awaits). */
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  }

  function setStatus(s: RunStatus, note = ''): void {
    status = s;
    post({
      type: 'status',
      runId,
      status: s,
      step: trainer?.stepCount ?? 0,
      epoch: trainer?.epoch ?? 0,
      note,
    });
  }

  function fail(e: unknown, during: string): void {
    const err = serializeError(e);
    post({ type: 'error', runId, error: { ...err, message: `${during}: ${err.message}` }, fatal: false });
    if (trainer) setStatus('paused', `Paused after an error ${during}; the run's state is kept.`);
    else setStatus('error', `${during} failed`);
  }

  async function flush(): Promise<void> {
    if (!trainer || pending.length === 0) return;
    const batch = pending;
    pending = [];
    const t0 = deps.now();
    const points = await trainer.read(batch);
    const perStep = (stepMs + deps.now() - t0) / Math.max(1, points.length);
    stepMs = 0;
    for (const p of points) p.msPerStep = perStep;
    lastFlush = deps.now();
    post({ type: 'metrics', runId, points, memory: deps.memory() });
    const d = findDivergence(points);
    if (d) throw new DivergenceError(d.message);
  }

  async function evaluate(): Promise<void> {
    if (!trainer) return;
    post({ type: 'eval', runId, result: await trainer.evaluate() });
  }

  async function probe(): Promise<void> {
    if (!trainer || pairs.length === 0) return;
    const result = await trainer.probe(pairs, PROBE_LAM);
    lastProbe = deps.now();
    post({ type: 'probe', runId, result }, probeTransferables(result));
  }

  /** One training step plus whatever reporting is due after it. Returns false when the run ended. */
  async function iterate(part: StepPart, forceReport: boolean): Promise<boolean> {
    if (!trainer || !config) return false;
    const t0 = deps.now();
    pending.push(trainer.step(part));
    stepMs += deps.now() - t0;
    const step = trainer.stepCount;
    const finished = step >= config.steps;
    if (forceReport || finished || deps.now() - lastFlush >= REPORT_EVERY_MS) await flush();
    if (finished || step % config.evalEvery === 0) await evaluate();
    if (forceReport || finished || deps.now() - lastProbe >= PROBE_EVERY_MS) await probe();
    if (finished) setStatus('done', `Reached the budget of ${config.steps} steps.`);
    return !finished;
  }

  async function runLoop(): Promise<void> {
    const gen = ++generation;
    setStatus('running');
    lastFlush = deps.now();
    while (gen === generation && status === 'running') {
      const more = await exclusive(async () => {
        if (gen !== generation || status !== 'running') return false;
        try {
          return await iterate('both', false);
        } catch (e) {
          fail(e, `in step ${(trainer?.stepCount ?? 0) + 1}`);
          return false;
        }
      });
      if (!more) break;
      await deps.yieldNow();
    }
  }

  function disposeRun(): void {
    generation++;
    pending = [];
    trainer?.dispose();
    trainer = null;
  }

  async function start(id: number, cfg: RunConfig, autoRun: boolean): Promise<void> {
    await exclusive(async () => {
      disposeRun();
      runId = id;
      config = cfg;
      setStatus('loading', `Loading ${cfg.dataset}…`);
      try {
        if (!data || data.name !== cfg.dataset) data = await deps.loadDataset(cfg, progressFor(0));
        post({ type: 'dataset', runId, info: datasetInfo(data) });
        trainer = deps.createTrainer(cfg, data);
        setStatus('loading', 'Compiling kernels (warm-up step)…');
        const warmupMs = trainer.warmup ? await trainer.warmup() : 0;
        post({ type: 'runInfo', runId, flopsPerStep: trainer.flopsPerStep ?? NaN, warmupMs });
        pairs = defaultProbePairs(data, 4);
        lastProbe = -Infinity;
        await probe();
      } catch (e) {
        disposeRun();
        fail(e, `starting ${cfg.method} on ${cfg.dataset}`);
        return;
      }
      setStatus('paused', 'Ready.');
    });
    if (autoRun && trainer) void runLoop();
  }

  return async (msg: ToWorker): Promise<void> => {
    switch (msg.type) {
      case 'init': {
        // Exclusive, so a Start sent while the backend is still starting waits for it.
        await exclusive(async () => {
          try {
            post({ type: 'backend', info: await deps.selectBackend(msg.forced) });
          } catch (e) {
            post({ type: 'error', runId: null, error: serializeError(e), fatal: true });
          }
        });
        return;
      }
      case 'start':
        return start(msg.runId, msg.config, msg.autoRun);
      case 'pause': {
        if (msg.runId !== runId || (status !== 'running' && status !== 'loading')) return;
        generation++;
        await exclusive(async () => {
          await flush();
          // The masks on screen show the step training paused at.
          await probe().catch((e: unknown) => fail(e, 'rendering probe masks'));
          setStatus('paused');
        });
        return;
      }
      case 'resume': {
        // Checks run after earlier commands (e.g. a start still loading its data) have finished.
        const ok = await exclusive(async () => msg.runId === runId && !!trainer && status === 'paused');
        if (ok) void runLoop();
        return;
      }
      case 'step': {
        await exclusive(async () => {
          if (msg.runId !== runId || !trainer || status === 'running' || status === 'done') return;
          try {
            if (await iterate(msg.part, true)) setStatus('paused');
          } catch (e) {
            fail(e, `in step ${(trainer?.stepCount ?? 0) + 1}`);
          }
        });
        return;
      }
      case 'setLive': {
        await exclusive(async () => {
          if (msg.runId !== runId || !trainer || !config) return;
          trainer.setLive(msg.patch);
          config = { ...config, ...msg.patch };
          post({ type: 'live', runId, step: trainer.stepCount, patch: msg.patch });
        });
        return;
      }
      case 'probe': {
        await exclusive(async () => {
          if (msg.runId !== runId || !trainer || !data) return;
          if (msg.pairs) pairs = msg.pairs;
          else if (data) pairs = defaultProbePairs(data, 4, Math.floor(deps.now()));
          try {
            await probe();
          } catch (e) {
            fail(e, 'rendering probe masks');
          }
        });
        return;
      }
      case 'reset': {
        await exclusive(async () => {
          disposeRun();
          runId = msg.runId;
          setStatus('idle');
        });
        return;
      }
      case 'bench': {
        await exclusive(async () => {
          disposeRun();
          setStatus('idle', 'Benchmark running…');
          try {
            await runBench(msg.request, post, deps);
          } catch (e) {
            fail(e, 'benchmark');
          }
        });
        return;
      }
      case 'importData': {
        // Not exclusive: a run keeps training while files are read and parsed.
        try {
          const ds = await deps.importData(msg.source, msg.options, progressFor(msg.requestId));
          if (data && data.name === ds.name) data = null; // the next start uses the new import
          const count = (labels: Uint8Array) =>
            ds.classes.map((_, c) => labels.filter((l) => l === c).length);
          post({
            type: 'dataImported',
            requestId: msg.requestId,
            info: datasetInfo(ds),
            classCounts: { train: count(ds.train.labels), test: count(ds.test.labels) },
          });
        } catch (e) {
          post({ type: 'dataFailed', requestId: msg.requestId, error: serializeError(e) });
        }
        post({ type: 'datasets', entries: await deps.listDatasets() });
        return;
      }
      case 'compare': {
        await exclusive(async () => {
          disposeRun();
          runId = msg.runId;
          const gen = generation;
          setStatus('running', `Comparing ${msg.entries.length} runs…`);
          try {
            const first = msg.entries[0]?.config;
            if (first && (!data || data.name !== first.dataset))
              data = await deps.loadDataset(first, progressFor(0));
            if (data) {
              post({ type: 'dataset', runId, info: datasetInfo(data) });
              await runCompareQueue(msg.entries, data, runId, post, deps, () => gen !== generation);
            }
            if (gen === generation) setStatus('done', 'Comparison finished.');
          } catch (e) {
            fail(e, 'comparison');
          }
        });
        return;
      }
      case 'listDatasets':
        post({ type: 'datasets', entries: await deps.listDatasets() });
        return;
      case 'deleteDataset':
        await deps.deleteDataset(msg.name);
        if (data && data.name === msg.name && !trainer) data = null;
        post({ type: 'datasets', entries: await deps.listDatasets() });
        return;
      default:
        assertNever(msg);
    }
  };
}
