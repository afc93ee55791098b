/**
 * Two offers that keep a run from being lost: after a reload (or a killed tab), "Resume run X at
 * step N" for the most recent unfinished run with a checkpoint; after a divergence, "Roll back to
 * step N" (the last good checkpoint). The run's saved history (metrics, evals, masks) is put back
 * with it, so the curves continue where they were.
 */
import { useEffect, useState } from 'react';
import type { RunConfig } from '../core/config';
import type { RunBundle } from '../export/runBundle';
import { sameFields, useTrainerActions, useTrainerSlice, type TrainerView } from '../hooks/useTrainer';
import { RunStore } from '../ui/runStore';
import { CheckpointStore, type CheckpointRun } from '../storage/checkpointStore';

/** What the offers read of the run state. */
const recoverySlice = (v: TrainerView) => ({
  restored: v.restored,
  runId: v.runId,
  status: v.status,
  divergence: v.divergence,
});

interface Props {
  /** The run now continues with this configuration (the controls show it). Stable. */
  onConfig(config: RunConfig): void;
}

/** The saved history of run `id` (useAutoSave files it under the checkpoint key), or null. */
async function savedHistory(id: string): Promise<RunBundle | null> {
  try {
    return await (await RunStore.open()).open(id);
  } catch {
    return null; // not saved (or unreadable): the run resumes without its earlier curves
  }
}

export function RunRecovery({ onConfig }: Props) {
  const view = useTrainerSlice(recoverySlice, sameFields);
  const { resumeRun, rollback } = useTrainerActions();
  const [offer, setOffer] = useState<CheckpointRun | null>(null);
  const [busy, setBusy] = useState(false);
  const [closed, setClosed] = useState(false);

  useEffect(() => {
    let live = true;
    CheckpointStore.open()
      .then(async (store) => {
        const run = (await store.runs()).find((r) => !r.finished);
        store.close();
        if (live && run) setOffer(run);
      })
      .catch(() => undefined); // no IndexedDB: nothing to offer
    return () => {
      live = false;
    };
  }, []);

  const restored = view.restored;
  useEffect(() => {
    if (restored) onConfig(restored.config); // once per restore (`onConfig` is stable)
  }, [restored, onConfig]);

  // The offer stands until the user answers it or starts something else.
  const showOffer = offer && !closed && view.runId === 0 && view.status === 'idle';

  const resume = async (run: CheckpointRun): Promise<void> => {
    setBusy(true);
    const bundle = await savedHistory(run.runKey);
    const seed = bundle
      ? {
          metrics: bundle.metrics,
          evals: bundle.evals,
          frames: bundle.history?.frames ?? [],
          images: bundle.history?.images ?? new Map(),
        }
      : null;
    onConfig(run.config);
    resumeRun(run.runKey, run.config, seed, true);
    setClosed(true);
    setBusy(false);
  };

  const discard = async (run: CheckpointRun): Promise<void> => {
    setClosed(true);
    const store = await CheckpointStore.open().catch(() => null);
    await store?.remove(run.runKey);
    store?.close();
  };

  const d = view.divergence;
  const showRollback = d && view.status === 'paused';

  if (!showOffer && !showRollback) return null;
  return (
    <div className="banners">
      {showOffer && (
        <div role="group" aria-label="Resume run" className="banner note" data-testid="resume-offer">
          An unfinished run was saved: {offer.method} on {offer.dataset}, seed {offer.seed}, at step{' '}
          {offer.step} of {offer.budget}.{' '}
          <button type="button" className="small" disabled={busy} onClick={() => void resume(offer)}>
            Resume run at step {offer.step}
          </button>{' '}
          <button type="button" className="small" disabled={busy} onClick={() => void discard(offer)}>
            Discard
          </button>
        </div>
      )}
      {showRollback && (
        <div role="group" aria-label="Divergence" className="banner error" data-testid="rollback-offer">
          Training diverged at step {d.step} ({d.term}).{' '}
          {d.rollbackStep !== null ? (
            <button type="button" className="small" onClick={rollback}>
              Roll back to step {d.rollbackStep}
            </button>
          ) : (
            'No checkpoint yet: lower the rate named above and reset.'
          )}
        </div>
      )}
    </div>
  );
}
