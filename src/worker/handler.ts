/**
 * The worker's message handler: a function of (message, post) with its dependencies injected, so
 * vitest drives it in Node without a Worker (style rule R14). It owns one run at a time, runs the
 * training loop with a generation counter (stale loops exit, R12), serialises everything that
 * touches the trainer, batches metrics (one GPU readback per report) and throttles mask probes.
 */
import { LIVE_FIELDS, type BackendName, type RunConfig } from '../core/config';
import type { CheckpointData } from '../core/checkpoint';
import type { BatchSamples, EvalResult, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import {
  assertNever,
  probeTransferables,
  serializeError,
  type BackendInfo,
  type BackendLossKind,
  type FaultKind,
  type MemoryInfo,
  type Post,
  type RunStatus,
  type ToWorker,
} from './protocol';
import { runBench } from './bench';
import { runSelfCheck } from '../core/selfCheck';
import { getBackend } from '@tensorflow/tfjs';
import { runCompareQueue } from './compareQueue';
import type { CachedDatasetSummary } from './datasetCache';
import type { ImportOptions, Progress, UserDataSource } from './userData';
import { DivergenceError, findDivergence } from './divergence';
import type { CheckpointSink } from './checkpointStore';
import { RunCheckpoints } from './runCheckpoints';
import { defaultProbePairs } from './probePairs';
import { handleMixerMessage } from './mixerMessages';
import type { MixerStoreLike } from './mixerStore';

/** What the handler needs from a trainer (src/core/trainer.ts implements it). */
export interface TrainerLike {
  readonly stepCount: number;
  readonly epoch: number;
  step(part?: StepPart): unknown;
  read(pending: unknown[]): Promise<StepMetrics[]>;
  evaluate(): Promise<EvalResult>;
  probe(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult>;
  /** Up to k mixed images of the last step's batch (kept on the device by the step); null before one. */
  lastBatchSamples?(k: number): Promise<BatchSamples | null>;
  setLive(patch: Partial<RunConfig>): void;
  dispose(): void;
  /** Compiles kernels with a throw-away step that leaves no trace; resolves to its ms. */
  warmup?(): Promise<number>;
  /** SSL: test accuracy of a linear probe on frozen features (run once when the run finishes). */
  linearProbe?(): Promise<number>;
  /** FLOPs of one training step (for achieved GFLOP/s). */
  readonly flopsPerStep?: number;
  /** The full training state (checkpoints) and putting it back in place. */
  snapshot?(): Promise<CheckpointData>;
  restore?(c: CheckpointData): void;
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
  /** Backend-loss watch (deviceWatch.ts: device/context lost, out of memory); absent in Node tests. */
  device?: DeviceGuard;
  /** Checkpoint storage (checkpointStore.ts, IndexedDB); absent: no checkpoints, no restore. */
  checkpoints?: CheckpointSink;
  /** SAMix^P: loads what a run's trainer needs before it is created (a samixp run's Mixer bundle). */
  prepareRun?(config: RunConfig): Promise<void>;
  /** Stored Mixer bundles (mixerStore.ts, IndexedDB) and a hook when one changed (mixerMessages.ts). */
  mixers?: () => Promise<MixerStoreLike>;
  mixersChanged?(name: string): void;
}

/** What the handler needs from the backend-loss watch (src/worker/deviceWatch.ts implements it). */
export interface DeviceGuard {
  /** Throws before a step when the backend is gone (or a fault was injected). */
  check(): void;
  /** A backend loss described by an error, or null for an ordinary error. */
  classify(e: unknown): { kind: BackendLossKind; reason: string } | null;
  /** Test-only fault hook. */
  inject(kind: FaultKind): void;
  /** Told once when the backend is lost outside a step (GPUDevice.lost, webglcontextlost). */
  onLost(cb: (loss: { kind: BackendLossKind; reason: string }) => void): void;
}

/** Metrics are flushed to the page at most this often (one readback each; charts redraw ≥ 5 Hz). */
export const REPORT_EVERY_MS = 150;
/**
 * Target period of the probe masks (≥ 1 Hz). Probes run at step boundaries, counted from the start
 * of the previous probe: a boundary probes when waiting for the next one (one more step) would pass
 * the period, so the period holds whenever a step is shorter than it.
 */
export const PROBE_EVERY_MS = 1000;
/** Probes never come closer than this (fast steps do not turn into a probe per step). */
export const PROBE_MIN_MS = 250;
/** Samples of the current batch sent with each probe. */
export const BATCH_SAMPLES = 4;
/** λ the probe pairs are mixed at. */
export const PROBE_LAM = 0.5;

export { DivergenceError };

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
  /** Wall time between the last two step boundaries (step + reporting), for the probe cadence. */
  let boundaryMs = 0;
  let lastBoundary = -Infinity;
  let chain: Promise<unknown> = Promise.resolve();
  let backendName: BackendName = 'cpu';
  let lostSent = false;
  const ckpt = new RunCheckpoints(deps.checkpoints, post);
  const session = Date.now().toString(36);

  /** The backend is gone: stop stepping and tell the page once (it restarts the worker elsewhere). */
  function backendLost(loss: { kind: BackendLossKind; reason: string }): void {
    generation++;
    if (lostSent) return;
    lostSent = true;
    const running = status === 'running';
    status = 'error';
    const step = trainer?.stepCount ?? 0;
    post({ type: 'backendLost', runId, backend: backendName, ...loss, step, running });
  }
  deps.device?.onLost(backendLost);

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
    const loss = deps.device?.classify(e);
    if (loss) return backendLost(loss);
    const err = serializeError(e);
    if (e instanceof DivergenceError && trainer) {
      post({ type: 'error', runId, error: err, fatal: false });
      const rollbackStep = ckpt.step;
      post({ type: 'diverged', runId, step: e.step, term: e.term, message: e.message, rollbackStep });
      return setStatus('paused', `Diverged at step ${e.step}; paused.`);
    }
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
    if (d) throw ckpt.divergence(d);
  }

  async function evaluate(final = false): Promise<void> {
    if (!trainer) return;
    const result = await trainer.evaluate();
    // SSL: when the run finishes, the linear probe's accuracy joins its last evaluation.
    if (final && trainer.linearProbe) result.probeAcc = await trainer.linearProbe();
    post({ type: 'eval', runId, result });
  }

  async function probe(): Promise<void> {
    if (!trainer || pairs.length === 0) return;
    lastProbe = deps.now();
    const result = await trainer.probe(pairs, PROBE_LAM);
    post({ type: 'probe', runId, result }, probeTransferables(result));
    const samples = await trainer.lastBatchSamples?.(BATCH_SAMPLES);
    if (samples)
      post(
        { type: 'batch', runId, samples },
        samples.images.map((im) => im.buffer as ArrayBuffer),
      );
  }

  /** One training step plus whatever reporting is due after it. Returns false when the run ended. */
  async function iterate(part: StepPart, forceReport: boolean): Promise<boolean> {
    if (!trainer || !config) return false;
    const t0 = deps.now();
    deps.device?.check();
    pending.push(trainer.step(part));
    stepMs += deps.now() - t0;
    const step = trainer.stepCount;
    const finished = step >= config.steps;
    const checkpointDue = finished || step % config.checkpointEvery === 0;
    if (forceReport || checkpointDue || deps.now() - lastFlush >= REPORT_EVERY_MS) await flush();
    if (checkpointDue) await ckpt.save(runId, trainer, finished); // after the divergence check
    if (finished || step % config.evalEvery === 0) await evaluate(finished);
    const at = deps.now();
    boundaryMs = Number.isFinite(lastBoundary) ? at - lastBoundary : 0;
    lastBoundary = at;
    const probeDue = at - lastProbe >= Math.max(PROBE_MIN_MS, PROBE_EVERY_MS - boundaryMs);
    if (forceReport || finished || probeDue) await probe();
    if (finished) setStatus('done', `Reached the budget of ${config.steps} steps.`);
    return !finished;
  }

  async function runLoop(): Promise<void> {
    const gen = ++generation;
    setStatus('running');
    lastFlush = deps.now();
    lastBoundary = lastFlush;
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

  async function start(id: number, cfg: RunConfig, autoRun: boolean, key: string): Promise<void> {
    await exclusive(async () => {
      disposeRun();
      runId = id;
      config = cfg;
      ckpt.begin(key);
      setStatus('loading', `Loading ${cfg.dataset}…`);
      try {
        if (!data || data.name !== cfg.dataset) data = await deps.loadDataset(cfg, progressFor(0));
        post({ type: 'dataset', runId, info: datasetInfo(data) });
        await deps.prepareRun?.(cfg);
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

  /** Loads run `key`'s latest good checkpoint into a new trainer (a fresh worker included), paused. */
  async function restore(id: number, key: string, autoRun: boolean): Promise<void> {
    await exclusive(async () => {
      disposeRun();
      runId = id;
      ckpt.begin(key);
      setStatus('loading', 'Loading the checkpoint…');
      try {
        const { checkpoint, note } = await ckpt.load();
        const cfg = checkpoint.config;
        config = cfg;
        if (!data || data.name !== cfg.dataset) data = await deps.loadDataset(cfg, progressFor(0));
        post({ type: 'dataset', runId, info: datasetInfo(data) });
        await deps.prepareRun?.(cfg);
        trainer = deps.createTrainer(cfg, data);
        if (!trainer.restore) throw new Error('this trainer cannot restore checkpoints');
        setStatus('loading', 'Compiling kernels (warm-up step)…');
        const warmupMs = trainer.warmup ? await trainer.warmup() : 0;
        trainer.restore(checkpoint);
        ckpt.begin(key, checkpoint.step);
        post({ type: 'runInfo', runId, flopsPerStep: trainer.flopsPerStep ?? NaN, warmupMs });
        post({ type: 'restored', runId, key, step: checkpoint.step, config: cfg, reason: 'restore', note });
        pairs = defaultProbePairs(data, 4);
        lastProbe = -Infinity;
        await probe();
      } catch (e) {
        disposeRun();
        fail(e, `restoring run ${key}`);
        return;
      }
      setStatus('paused', `Restored the checkpoint at step ${trainer.stepCount}.`);
    });
    if (autoRun && trainer) void runLoop();
  }

  /** Puts the current run back to its last good checkpoint, keeping the live settings (the fix). */
  async function rollback(id: number): Promise<void> {
    await exclusive(async () => {
      if (id !== runId || !trainer?.restore || !config) return;
      generation++;
      pending = [];
      try {
        const { checkpoint, note } = await ckpt.load();
        const cur = config;
        const live = Object.fromEntries(LIVE_FIELDS.map((k) => [k, cur[k]])) as Partial<RunConfig>;
        trainer.restore(checkpoint);
        trainer.setLive(live);
        config = { ...checkpoint.config, ...live };
        ckpt.begin(ckpt.key, checkpoint.step);
        const step = checkpoint.step;
        post({ type: 'restored', runId, key: ckpt.key, step, config, reason: 'rollback', note });
        lastProbe = -Infinity;
        await probe();
      } catch (e) {
        return fail(e, 'rolling back');
      }
      setStatus('paused', `Rolled back to the checkpoint at step ${trainer.stepCount}.`);
    });
  }

  return async (msg: ToWorker): Promise<void> => {
    switch (msg.type) {
      case 'init': {
        // Exclusive, so a Start sent while the backend is still starting waits for it.
        await exclusive(async () => {
          try {
            const info = await deps.selectBackend(msg.forced);
            backendName = info.active;
            post({ type: 'backend', info });
          } catch (e) {
            post({ type: 'error', runId: null, error: serializeError(e), fatal: true });
          }
        });
        return;
      }
      case 'start':
        // Without a key, one unique to this worker session (run ids restart at every page load).
        return start(msg.runId, msg.config, msg.autoRun, msg.key ?? `run-${session}-${msg.runId}`);
      case 'pause': {
        if (msg.runId !== runId || (status !== 'running' && status !== 'loading')) return;
        generation++;
        await exclusive(async () => {
          try {
            await flush();
            if (trainer) await ckpt.save(runId, trainer, false);
          } catch (e) {
            return fail(e, 'pausing');
          }
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
          ckpt.noteLive(trainer.stepCount, msg.patch);
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
      case 'selfCheck': {
        await exclusive(async () => {
          disposeRun();
          setStatus('idle', 'Checking the backend…');
          const t0 = deps.now();
          try {
            const results = await runSelfCheck({}, (result) => post({ type: 'selfCheckItem', result }));
            post({ type: 'selfCheckDone', backend: getBackend(), results, ms: deps.now() - t0 });
            setStatus('idle');
          } catch (e) {
            fail(e, 'the backend self-check');
          }
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
      case 'restore':
        return restore(msg.runId, msg.key, msg.autoRun ?? false);
      case 'rollback':
        return rollback(msg.runId);
      case 'injectFault':
        // Not exclusive: a fault must land while the loop is stepping.
        deps.device?.inject(msg.kind);
        return;
      case 'listDatasets':
        post({ type: 'datasets', entries: await deps.listDatasets() });
        return;
      case 'deleteDataset':
        await deps.deleteDataset(msg.name);
        if (data && data.name === msg.name && !trainer) data = null;
        post({ type: 'datasets', entries: await deps.listDatasets() });
        return;
      case 'exportMixer':
      case 'importMixer':
      case 'listMixers':
      case 'deleteMixer':
      case 'exportWeights':
        await handleMixerMessage(msg, {
          post,
          trainer: () => trainer,
          exclusive,
          store: deps.mixers,
          changed: deps.mixersChanged,
        });
        return;
      default:
        assertNever(msg);
    }
  };
}
