/**
 * The training loop of the handler's run: stepping, batched metric reads (one GPU readback per
 * report) with the divergence check, checkpoint and evaluation timing, and throttled mask probes.
 */
import { PROBE_LAM } from '../core/probe';
import type { StepPart } from '../core/trainerTypes';
import { probeTransferables } from './protocol';
import { findDivergence } from './divergence';
import { exclusive, type RunContext } from './runState';
import { fail, setStatus } from './runStatus';

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
export { PROBE_LAM };

export async function flush(c: RunContext): Promise<void> {
  const { s, deps } = c;
  if (!s.trainer || s.pending.length === 0) return;
  const batch = s.pending;
  s.pending = [];
  const t0 = deps.now();
  const points = await s.trainer.read(batch);
  const perStep = (s.stepMs + deps.now() - t0) / Math.max(1, points.length);
  s.stepMs = 0;
  for (const p of points) p.msPerStep = perStep;
  s.lastFlush = deps.now();
  c.post({ type: 'metrics', runId: s.runId, points, memory: deps.memory() });
  const d = findDivergence(points);
  if (d) throw s.ckpt.divergence(d);
}

async function evaluate(c: RunContext, final = false): Promise<void> {
  const { s } = c;
  if (!s.trainer) return;
  const result = await s.trainer.evaluate();
  // SSL: when the run finishes, the linear probe's accuracy joins its last evaluation.
  if (final && s.trainer.linearProbe) result.probeAcc = await s.trainer.linearProbe();
  c.post({ type: 'eval', runId: s.runId, result });
}

export async function probe(c: RunContext): Promise<void> {
  const { s, post } = c;
  if (!s.trainer || s.pairs.length === 0) return;
  s.lastProbe = c.deps.now();
  const result = await s.trainer.probe(s.pairs, PROBE_LAM);
  post({ type: 'probe', runId: s.runId, result }, probeTransferables(result));
  const samples = await s.trainer.lastBatchSamples?.(BATCH_SAMPLES);
  if (samples)
    post(
      { type: 'batch', runId: s.runId, samples },
      samples.images.map((im) => im.buffer as ArrayBuffer),
    );
}

/** One training step plus whatever reporting is due after it. Returns false when the run ended. */
export async function iterate(c: RunContext, part: StepPart, forceReport: boolean): Promise<boolean> {
  const { s, deps } = c;
  if (!s.trainer || !s.config) return false;
  const t0 = deps.now();
  deps.device?.check();
  s.pending.push(s.trainer.step(part));
  s.stepMs += deps.now() - t0;
  const step = s.trainer.stepCount;
  const finished = step >= s.config.steps;
  const checkpointDue = finished || step % s.config.checkpointEvery === 0;
  if (forceReport || checkpointDue || deps.now() - s.lastFlush >= REPORT_EVERY_MS) await flush(c);
  if (checkpointDue) await s.ckpt.save(s.runId, s.trainer, finished); // after the divergence check
  if (finished || step % s.config.evalEvery === 0) await evaluate(c, finished);
  const at = deps.now();
  s.boundaryMs = Number.isFinite(s.lastBoundary) ? at - s.lastBoundary : 0;
  s.lastBoundary = at;
  const probeDue = at - s.lastProbe >= Math.max(PROBE_MIN_MS, PROBE_EVERY_MS - s.boundaryMs);
  if (forceReport || finished || probeDue) await probe(c);
  if (finished) setStatus(c, 'done', `Reached the budget of ${s.config.steps} steps.`);
  return !finished;
}

export async function runLoop(c: RunContext): Promise<void> {
  const { s } = c;
  const gen = ++s.generation;
  setStatus(c, 'running');
  s.lastFlush = c.deps.now();
  s.lastBoundary = s.lastFlush;
  while (gen === s.generation && s.status === 'running') {
    const more = await exclusive(c, async () => {
      if (gen !== s.generation || s.status !== 'running') return false;
      try {
        return await iterate(c, 'both', false);
      } catch (e) {
        fail(c, e, `in step ${(s.trainer?.stepCount ?? 0) + 1}`);
        return false;
      }
    });
    if (!more) break;
    await c.deps.yieldNow();
  }
}
