/**
 * The status line (a `role="status"` live region): backend and adapter, run state, step, epoch,
 * speed, tensors held and a progress bar with the time remaining.
 */
import type { TrainerApi } from '../hooks/useTrainer';

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
  trainer,
  budget,
  batch,
  scaled = null,
}: {
  trainer: TrainerApi;
  budget: number;
  batch: number;
  /** Why the default sizes were scaled down (slow backend), or null. */
  scaled?: string | null;
}) {
  const last = trainer.data.metrics[trainer.data.metrics.length - 1];
  const ms = last?.msPerStep ?? NaN;
  const b = trainer.backend;
  const progress = budget > 0 ? Math.min(1, trainer.step / budget) : 0;
  return (
    <div className="statusbar">
      <div role="status" aria-label="Training status" data-testid="status">
        <span data-testid="status-backend">
          Backend: <strong>{b ? b.active : 'starting…'}</strong>
          {b?.adapter ? ` (${b.adapter})` : ''}
        </span>
        <span>
          {' · '}State: <strong data-testid="status-state">{trainer.status}</strong>
        </span>
        <span>
          {' · '}Step <strong data-testid="status-step">{trainer.step}</strong>
        </span>
        <span>
          {' · '}Epoch <span data-testid="status-epoch">{trainer.epoch.toFixed(2)}</span>
        </span>
        {Number.isFinite(ms) && (
          <span>
            {' · '}
            {ms.toFixed(0)} ms/step · {((batch * 1000) / ms).toFixed(0)} img/s
            {trainer.runInfo && Number.isFinite(trainer.runInfo.flopsPerStep)
              ? ` · ${(trainer.runInfo.flopsPerStep / (ms * 1e6)).toFixed(2)} GFLOP/s`
              : ''}
          </span>
        )}
        {trainer.runInfo && trainer.runInfo.warmupMs > 0 && (
          <span> · warm-up {(trainer.runInfo.warmupMs / 1000).toFixed(1)} s</span>
        )}
        {trainer.memory && (
          <span>
            {' · '}tensors {trainer.memory.numTensors} ({fmtBytes(trainer.memory.numBytes)})
          </span>
        )}
        {trainer.note && <span className="note"> · {trainer.note}</span>}
        {scaled && (
          <span className="note" data-testid="status-scaled">
            {' · '}
            {scaled}
          </span>
        )}
        {trainer.recovery.message && (
          <span className="note" data-testid="status-recovery">
            {' · '}
            {trainer.recovery.message}
          </span>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Training progress"
        aria-valuemin={0}
        aria-valuemax={budget}
        aria-valuenow={Math.min(trainer.step, budget)}
        aria-valuetext={`${trainer.step} of ${budget} steps (${(progress * 100).toFixed(0)}%)`}
      >
        <div style={{ width: `${progress * 100}%` }} />
        <span>
          {trainer.step}/{budget}
          {Number.isFinite(ms) && trainer.status === 'running'
            ? ` · ${fmtDuration((budget - trainer.step) * ms)} left`
            : ''}
        </span>
      </div>
    </div>
  );
}
