/**
 * Saves the live run to the browser's run store whenever it pauses or finishes, and at every
 * checkpoint the worker reports, so it can be reopened (and resumed with its curves) after a reload.
 * The run is filed under its checkpoint key. Saving happens off the training path.
 */
import { useEffect, useState } from 'react';
import type { RunConfig } from '../core/config';
import { buildRunBundle } from '../export/runBundle';
import type { SavedRunsApi } from './useSavedRuns';
import type { TrainerApi } from './useTrainer';

export function useAutoSave(trainer: TrainerApi, config: RunConfig, saved: SavedRunsApi): void {
  const [session] = useState(() => Date.now());
  const { status, runId, step, runKey } = trainer;
  const checkpointStep = trainer.checkpoint?.step ?? 0;
  const { save } = saved;
  const data = trainer.data;
  useEffect(() => {
    const due = status === 'paused' || status === 'done' || (status === 'running' && checkpointStep > 0);
    if (!due || step === 0 || data.metrics.length === 0) return;
    const last = data.evals[data.evals.length - 1];
    const probe = [...data.images.values()].pop();
    const timer = setTimeout(() => {
      try {
        const bundle = buildRunBundle({
          config,
          metrics: data.metrics,
          evals: data.evals,
          history: { frames: data.frames, images: data.images },
          frames: data.frames,
          frameShape: probe
            ? { width: probe.width, height: probe.height, channels: probe.channels }
            : undefined,
          media: false,
          meta: { backend: trainer.backend?.active ?? '', savedAt: new Date().toISOString() },
        });
        void save(
          {
            id: runKey || `run-${session}-${runId}`,
            name: `${config.method} · ${config.dataset} · seed ${config.seed}`,
            method: config.method,
            dataset: config.dataset,
            steps: step,
            finalAccQ: last?.testAccQ ?? NaN,
            createdAt: session + runId,
          },
          bundle,
        );
      } catch {
        // A run that cannot be bundled (e.g. an invalid config) is simply not saved.
      }
    }, 50);
    return () => clearTimeout(timer);
    // Saved once per pause/finish; `data` is the live run's mutable store.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [status, runId, save, checkpointStep]);
}
