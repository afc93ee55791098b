/**
 * The lifecycle of the handler's one run: start (load, build, warm up, first probe), restore from a
 * checkpoint, roll back to the last good checkpoint, and dispose. Each runs exclusively. A start or
 * restore builds its trainer beside the current run and replaces it only when ready, so a refused
 * one loses nothing.
 */
import { decodeCheckpoint, type CheckpointData } from '../core/checkpoint';
import { checkMemory } from '../core/memoryEstimate';
import { dataGeometry } from '../core/geometry';
import { LIVE_FIELDS, type RunConfig } from '../core/config';
import { datasetInfo, progressFor } from './dataMessages';
import type { ImageDataset } from '../data/types';
import type { TrainerLike } from './handlerTypes';
import { defaultProbePairs } from '../core/probePairs';
import { serializeError, type RunStatus } from './protocol';
import { RunCheckpoints } from './runCheckpoints';
import { probe, runLoop } from './runLoop';
import { exclusive, type RunContext } from './runState';
import { backendLost, fail, setStatus } from './runStatus';

/** Stops the run's loop and frees its trainer. */
export function disposeRun(c: RunContext): void {
  const { s } = c;
  s.generation++;
  s.pending = [];
  s.trainer?.dispose();
  s.trainer = null;
}

/** The run a start or restore keeps until its new trainer is ready (a refusal leaves it in place). */
interface Previous {
  trainer: TrainerLike;
  status: RunStatus;
}

/** A trainer built and warmed up beside the current run, not in place yet. */
interface Ready {
  trainer: TrainerLike;
  data: ImageDataset;
  warmupMs: number;
  /** The `dataset` message is still due (a run was in place while it loaded). */
  announce: boolean;
}

/**
 * The first move of a start or restore: stops a running loop at its next boundary and notes the
 * run it may replace. The request's id labels the run from here on (the page moved to that id when
 * it sent the request), whether the new run replaces the previous one or is refused.
 */
function begin(c: RunContext, id: number, note: string): Previous | null {
  const { s } = c;
  s.generation++;
  const prev = s.trainer ? { trainer: s.trainer, status: s.status } : null;
  s.runId = id;
  setStatus(c, 'loading', note);
  return prev;
}

/**
 * Everything that can refuse `cfg`, while the current run stays whole: its dataset, its SAMix^P
 * bundle (`prepareRun`), the trainer, its warm-up and `then` (a restore puts the checkpoint in). A
 * failure frees what was built and throws. With no run in place the dataset is taken (and
 * announced) at once, as a refused first start always did.
 */
async function build(c: RunContext, cfg: RunConfig, then?: (t: TrainerLike) => void): Promise<Ready> {
  const { s, post, deps } = c;
  const data = s.data?.name === cfg.dataset ? s.data : await deps.loadDataset(cfg, progressFor(c, 0));
  const announce = !!s.trainer;
  if (!announce) {
    s.data = data;
    post({ type: 'dataset', runId: s.runId, info: datasetInfo(data) });
  }
  // Memory pre-flight: a configuration that cannot fit the backend is refused here, before the new
  // trainer allocates anything (the current run is untouched; the message says what would fit).
  checkMemory(cfg, dataGeometry(data, cfg), s.backendName);
  await deps.prepareRun?.(cfg);
  const trainer = deps.createTrainer(cfg, data);
  try {
    setStatus(c, 'loading', 'Compiling kernels (warm-up step)…');
    const warmupMs = trainer.warmup ? await trainer.warmup() : 0;
    then?.(trainer);
    return { trainer, data, warmupMs, announce };
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}

/** Puts a ready trainer in place of the current run (which is freed), filed under `key`. */
function install(c: RunContext, r: Ready, cfg: RunConfig, key: string, step: number | null = null): void {
  const { s, post } = c;
  disposeRun(c);
  s.trainer = r.trainer;
  s.config = cfg;
  s.data = r.data;
  s.ckpt.begin(key, step);
  if (r.announce) post({ type: 'dataset', runId: s.runId, info: datasetInfo(r.data) });
  post({
    type: 'runInfo',
    runId: s.runId,
    flopsPerStep: r.trainer.flopsPerStep ?? NaN,
    warmupMs: r.warmupMs,
  });
}

/** The new run's probe pairs and its first masks. */
async function firstProbe(c: RunContext): Promise<void> {
  const { s } = c;
  if (s.data) s.pairs = defaultProbePairs(s.data, 4);
  s.lastProbe = -Infinity;
  await probe(c);
}

/**
 * A start or restore failed. Refused before its trainer was in place, the previous run goes on as it
 * was (trainer, data, config, checkpoints, pending metrics; stopped) and the error names the setting
 * at fault and its fix. Failed later, or with no previous run, the run is gone (status `error`).
 */
function refuse(c: RunContext, e: unknown, during: string, prev: Previous | null): void {
  const { s } = c;
  if (!prev || s.trainer !== prev.trainer) {
    disposeRun(c);
    return fail(c, e, during);
  }
  const loss = c.deps.device?.classify(e);
  if (loss) return backendLost(c, loss);
  const err = serializeError(e);
  c.post({
    type: 'error',
    runId: s.runId,
    error: { ...err, message: `${during}: ${err.message}` },
    fatal: false,
    kept: true,
  });
  const what = s.config ? ` (${s.config.method} on ${s.config.dataset})` : '';
  const status = prev.status === 'running' || prev.status === 'loading' ? 'paused' : prev.status;
  setStatus(c, status, `Not changed: the previous run${what} is kept at step ${prev.trainer.stepCount}.`);
}

/**
 * Starts run `id` with `cfg`, paused (running when `autoRun`). Whatever can refuse the configuration
 * runs before the new trainer replaces the current run, so a refused start loses nothing.
 */
export async function startRun(
  c: RunContext,
  id: number,
  cfg: RunConfig,
  autoRun: boolean,
  key: string,
): Promise<void> {
  const started = await exclusive(c, async () => {
    const prev = begin(c, id, `Loading ${cfg.dataset}…`);
    try {
      install(c, await build(c, cfg), cfg, key);
      await firstProbe(c);
    } catch (e) {
      refuse(c, e, `starting ${cfg.method} on ${cfg.dataset}`, prev);
      return false;
    }
    setStatus(c, 'paused', 'Ready.');
    return true;
  });
  if (autoRun && started) void runLoop(c);
}

/** Run `key`'s latest good checkpoint, read without touching the current run's checkpoints. */
function loadCheckpoint(c: RunContext, key: string): ReturnType<RunCheckpoints['load']> {
  const other = new RunCheckpoints(c.deps.checkpoints, c.post);
  other.begin(key);
  return other.load();
}

/**
 * Loads run `key`'s latest good checkpoint into a new trainer (a fresh worker included), paused. As
 * for a start, a checkpoint that cannot be restored leaves the current run in place.
 */
export function restoreRun(c: RunContext, id: number, key: string, autoRun: boolean): Promise<void> {
  return restoreFrom(c, id, key, autoRun, () => loadCheckpoint(c, key));
}

/**
 * Continues a run from checkpoint bytes the page sent (a shipped pre-trained run, public/runs/), under
 * the new run key `key`, paused: the same path as `restoreRun`, and the run's next checkpoints are
 * saved under `key` as for any run.
 */
export function openCheckpoint(
  c: RunContext,
  id: number,
  key: string,
  bytes: Uint8Array,
  autoRun: boolean,
): Promise<void> {
  return restoreFrom(c, id, key, autoRun, async () => ({ checkpoint: decodeCheckpoint(bytes), note: '' }));
}

async function restoreFrom(
  c: RunContext,
  id: number,
  key: string,
  autoRun: boolean,
  source: () => Promise<{ checkpoint: CheckpointData; note: string }>,
): Promise<void> {
  const { s, post } = c;
  const restored = await exclusive(c, async () => {
    const prev = begin(c, id, 'Loading the checkpoint…');
    try {
      const { checkpoint, note } = await source();
      const cfg = checkpoint.config;
      const ready = await build(c, cfg, (t) => {
        if (!t.restore) throw new Error('this trainer cannot restore checkpoints');
        t.restore(checkpoint);
      });
      install(c, ready, cfg, key, checkpoint.step);
      const step = checkpoint.step;
      post({ type: 'restored', runId: s.runId, key, step, config: cfg, reason: 'restore', note });
      await firstProbe(c);
    } catch (e) {
      refuse(c, e, `restoring run ${key}`, prev);
      return false;
    }
    setStatus(c, 'paused', `Restored the checkpoint at step ${s.trainer?.stepCount ?? 0}.`);
    return true;
  });
  if (autoRun && restored) void runLoop(c);
}

/** Puts the current run back to its last good checkpoint, keeping the live settings (the fix). */
export async function rollbackRun(c: RunContext, id: number): Promise<void> {
  const { s, post } = c;
  await exclusive(c, async () => {
    if (id !== s.runId || !s.trainer?.restore || !s.config) return;
    s.generation++;
    s.pending = [];
    try {
      const { checkpoint, note } = await s.ckpt.load();
      const cur = s.config;
      const live = Object.fromEntries(LIVE_FIELDS.map((k) => [k, cur[k]])) as Partial<RunConfig>;
      s.trainer.restore(checkpoint);
      s.trainer.setLive(live);
      s.config = { ...checkpoint.config, ...live };
      s.ckpt.begin(s.ckpt.key, checkpoint.step);
      const step = checkpoint.step;
      post({
        type: 'restored',
        runId: s.runId,
        key: s.ckpt.key,
        step,
        config: s.config,
        reason: 'rollback',
        note,
      });
      s.lastProbe = -Infinity;
      await probe(c);
    } catch (e) {
      return fail(c, e, 'rolling back');
    }
    setStatus(c, 'paused', `Rolled back to the checkpoint at step ${s.trainer.stepCount}.`);
  });
}
