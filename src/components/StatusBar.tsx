/**
 * The status line (a `role="status"` live region): backend and adapter, run state, step, epoch,
 * speed, tensors held and a progress bar with the time remaining.
 */
import { sameFields, useTrainerSlice, type TrainerView } from '../hooks/useTrainer';

/** What the status line reads of the run state (it re-renders only when one of these changes). */
const statusSlice = (v: TrainerView) => ({
  backend: v.backend,
  status: v.status,
  step: v.step,
  epoch: v.epoch,
  runInfo: v.runInfo,
  memory: v.memory,
  note: v.note,
  recovery: v.recovery.message,
  msPerStep: v.data.metrics[v.data.metrics.length - 1]?.msPerStep ?? NaN,
});

function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${s % 60}s`
      : `${s}s`;
}

export function StatusBar({
  budget,
  batch,
  scaled = null,
}: {
  budget: number;
  batch: number;
  /** Why the default sizes were scaled down (slow backend), or null. */
  scaled?: string | null;
}) {
  const run = useTrainerSlice(statusSlice, sameFields);
  const ms = run.msPerStep;
  const b = run.backend;
  const progress = budget > 0 ? Math.min(1, run.step / budget) : 0;
  return (
    <div className="statusbar">
      <div role="status" aria-label="Training status" data-testid="status">
        <span data-testid="status-backend">
          Backend: <strong>{b ? b.active : 'starting…'}</strong>
          {b?.adapter ? ` (${b.adapter})` : ''}
        </span>
        <span>
          {' · '}State: <strong data-testid="status-state">{run.status}</strong>
        </span>
        <span>
          {' · '}Step <strong data-testid="status-step">{run.step}</strong>
        </span>
        <span>
          {' · '}Epoch <span data-testid="status-epoch">{run.epoch.toFixed(2)}</span>
        </span>
        {Number.isFinite(ms) && (
          <span>
            {' · '}
            {ms.toFixed(0)} ms/step · {((batch * 1000) / ms).toFixed(0)} img/s
            {run.runInfo && Number.isFinite(run.runInfo.flopsPerStep)
              ? ` · ${(run.runInfo.flopsPerStep / (ms * 1e6)).toFixed(2)} GFLOP/s`
              : ''}
          </span>
        )}
        {run.runInfo && run.runInfo.warmupMs > 0 && (
          <span> · warm-up {(run.runInfo.warmupMs / 1000).toFixed(1)} s</span>
        )}
        {run.memory && (
          <span>
            {' · '}tensors {run.memory.numTensors} ({fmtBytes(run.memory.numBytes)})
          </span>
        )}
        {run.note && <span className="note"> · {run.note}</span>}
        {scaled && (
          <span className="note" data-testid="status-scaled">
            {' · '}
            {scaled}
          </span>
        )}
        {run.recovery && (
          <span className="note" data-testid="status-recovery">
            {' · '}
            {run.recovery}
          </span>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={budget}
        aria-valuenow={Math.min(run.step, budget)}
        aria-valuetext={`${run.step} of ${budget} steps (${(progress * 100).toFixed(0)}%)`}
      >
        <div style={{ width: `${progress * 100}%` }} />
        <span>
          {run.step}/{budget}
          {Number.isFinite(ms) && run.status === 'running'
            ? ` · ${fmtDuration((budget - run.step) * ms)} left`
            : ''}
        </span>
      </div>
    </div>
  );
}
