/**
 * Saves the live run to the browser's run store whenever it pauses or finishes, and at every
 * checkpoint the worker reports, so it can be reopened (and resumed with its curves) after a reload.
 * The run is filed under its checkpoint key. Each save writes only what arrived since the previous
 * one (src/storage/savePlan.ts: a chunk of new metric points, evaluations and mask frames, plus the
 * small head), so a save costs the page about the same at step 100 as at step 100,000; a full save
 * happens for a new, resumed or rolled-back run, after a failed save, and when the stored chunks
 * outgrow what the page holds. Saves run one after another, off the training path; each is
 * recorded as a `samix:autosave` performance measure (its synchronous part in `detail.syncMs`).
 */
import { useEffect, useRef, useState } from 'react';
import type { RunConfig } from '../core/config';
import { planSave, type SaveMark } from '../storage/savePlan';
import type { RunSummary } from '../ui/runStore';
import type { SavedRunsApi } from './useSavedRuns';
import type { TrainerApi } from './useTrainer';

export function useAutoSave(trainer: TrainerApi, form: RunConfig, saved: SavedRunsApi): void {
  const [session] = useState(() => Date.now());
  const { status, runId } = trainer;
  const checkpointStep = trainer.checkpoint?.step ?? 0;
  const { saveParts } = saved;
  // What a save reads, as of the latest render; a save is due only at the moments listed below.
  const latest = useRef({ trainer, form });
  useEffect(() => {
    latest.current = { trainer, form };
  });
  const last = useRef<{ mark: SaveMark | null; queue: Promise<void> }>({
    mark: null,
    queue: Promise.resolve(),
  });
  // Saved once per pause, finish and checkpoint (and for a new run id).
  useEffect(() => {
    const { trainer: t, form: f } = latest.current;
    const { step, runKey, restored, data } = t;
    // Filed with the run's own configuration (the form may already hold the next one).
    const config = t.runConfig ?? f;
    const due = status === 'paused' || status === 'done' || (status === 'running' && checkpointStep > 0);
    if (!due || step === 0 || data.metrics.length === 0) return;
    const id = runKey || `run-${session}-${runId}`;
    const backend = t.backend?.active ?? '';
    const timer = setTimeout(() => {
      const s = last.current;
      const once = async (): Promise<'ok' | 'stale' | 'failed'> => {
        const t0 = performance.now();
        const plan = planSave(s.mark, id, data, restored);
        const lastEval = data.evals[data.evals.length - 1];
        const summary: RunSummary = {
          id,
          name: `${config.method} · ${config.dataset} · seed ${config.seed}`,
          method: config.method,
          dataset: config.dataset,
          steps: Math.max(step, data.metrics[data.metrics.length - 1]?.step ?? 0),
          finalAccQ: lastEval?.testAccQ ?? NaN,
          createdAt: session + runId,
        };
        const written = saveParts(summary, {
          full: plan.full,
          seq: plan.seq,
          config,
          meta: { backend, savedAt: new Date().toISOString() },
          metrics: plan.metrics,
          evals: plan.evals,
          frames: plan.frames,
          images: data.images,
        });
        const syncMs = performance.now() - t0; // planning and encoding (the write is async)
        const outcome = await written;
        s.mark = outcome === 'ok' ? plan.next : null; // after a failure or a stale chunk: in full
        const detail = { syncMs, full: plan.full, points: plan.metrics.length, frames: plan.frames.length };
        performance.measure('samix:autosave', { start: t0, detail: { ...detail, outcome } });
        return outcome;
      };
      s.queue = s.queue.then(async () => {
        if ((await once()) === 'stale') await once();
      });
    }, 50);
    return () => clearTimeout(timer);
  }, [status, runId, saveParts, checkpointStep, session]);
}
