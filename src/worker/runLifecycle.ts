/**
 * The lifecycle of the handler's one run: start (load, build, warm up, first probe), restore from a
 * checkpoint, roll back to the last good checkpoint, and dispose. Each runs exclusively.
 */
import { LIVE_FIELDS, type RunConfig } from '../core/config';
import { datasetInfo, progressFor } from './dataMessages';
import { defaultProbePairs } from './probePairs';
import { probe, runLoop } from './runLoop';
import { exclusive, type RunContext } from './runState';
import { fail, setStatus } from './runStatus';

/** Stops the run's loop and frees its trainer. */
export function disposeRun(c: RunContext): void {
  const { s } = c;
  s.generation++;
  s.pending = [];
  s.trainer?.dispose();
  s.trainer = null;
}

export async function startRun(
  c: RunContext,
  id: number,
  cfg: RunConfig,
  autoRun: boolean,
  key: string,
): Promise<void> {
  const { s, post, deps } = c;
  await exclusive(c, async () => {
    disposeRun(c);
    s.runId = id;
    s.config = cfg;
    s.ckpt.begin(key);
    setStatus(c, 'loading', `Loading ${cfg.dataset}…`);
    try {
      if (!s.data || s.data.name !== cfg.dataset) s.data = await deps.loadDataset(cfg, progressFor(c, 0));
      post({ type: 'dataset', runId: s.runId, info: datasetInfo(s.data) });
      await deps.prepareRun?.(cfg);
      s.trainer = deps.createTrainer(cfg, s.data);
      setStatus(c, 'loading', 'Compiling kernels (warm-up step)…');
      const warmupMs = s.trainer.warmup ? await s.trainer.warmup() : 0;
      post({ type: 'runInfo', runId: s.runId, flopsPerStep: s.trainer.flopsPerStep ?? NaN, warmupMs });
      s.pairs = defaultProbePairs(s.data, 4);
      s.lastProbe = -Infinity;
      await probe(c);
    } catch (e) {
      disposeRun(c);
      fail(c, e, `starting ${cfg.method} on ${cfg.dataset}`);
      return;
    }
    setStatus(c, 'paused', 'Ready.');
  });
  if (autoRun && s.trainer) void runLoop(c);
}

/** Loads run `key`'s latest good checkpoint into a new trainer (a fresh worker included), paused. */
export async function restoreRun(c: RunContext, id: number, key: string, autoRun: boolean): Promise<void> {
  const { s, post, deps } = c;
  await exclusive(c, async () => {
    disposeRun(c);
    s.runId = id;
    s.ckpt.begin(key);
    setStatus(c, 'loading', 'Loading the checkpoint…');
    try {
      const { checkpoint, note } = await s.ckpt.load();
      const cfg = checkpoint.config;
      s.config = cfg;
      if (!s.data || s.data.name !== cfg.dataset) s.data = await deps.loadDataset(cfg, progressFor(c, 0));
      post({ type: 'dataset', runId: s.runId, info: datasetInfo(s.data) });
      await deps.prepareRun?.(cfg);
      s.trainer = deps.createTrainer(cfg, s.data);
      if (!s.trainer.restore) throw new Error('this trainer cannot restore checkpoints');
      setStatus(c, 'loading', 'Compiling kernels (warm-up step)…');
      const warmupMs = s.trainer.warmup ? await s.trainer.warmup() : 0;
      s.trainer.restore(checkpoint);
      s.ckpt.begin(key, checkpoint.step);
      post({ type: 'runInfo', runId: s.runId, flopsPerStep: s.trainer.flopsPerStep ?? NaN, warmupMs });
      post({
        type: 'restored',
        runId: s.runId,
        key,
        step: checkpoint.step,
        config: cfg,
        reason: 'restore',
        note,
      });
      s.pairs = defaultProbePairs(s.data, 4);
      s.lastProbe = -Infinity;
      await probe(c);
    } catch (e) {
      disposeRun(c);
      fail(c, e, `restoring run ${key}`);
      return;
    }
    setStatus(c, 'paused', `Restored the checkpoint at step ${s.trainer.stepCount}.`);
  });
  if (autoRun && s.trainer) void runLoop(c);
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
