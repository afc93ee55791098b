/**
 * Which TF.js backend runs, on what adapter, why the preferred ones were skipped, and a picker to
 * force one (it restarts the worker and is kept in the URL as `?backend=`).
 */
import { BACKEND_NAMES, type BackendName } from '../core/config';
import type { TrainerState } from '../client/runState';
import type { BackendInfo } from '../worker/protocol';

interface Props {
  info: BackendInfo | null;
  forced: BackendName | null;
  onForce: (b: BackendName | null) => void;
  /** Self-check verdicts (null before the first check). */
  check: TrainerState['selfCheck'];
  /** Starts the self-check; absent hides the button. */
  onCheck?: () => void;
  /** A run is training (the check would stop it). */
  busy: boolean;
}

export function BackendPanel({ info, forced, onForce, check, onCheck, busy }: Props) {
  return (
    <section aria-label="Backend" className="panel backend-panel">
      <header className="panel-head">
        <h2>Backend</h2>
        <label title="Force a TF.js backend; automatic prefers a hardware GPU, then wasm.">
          Use{' '}
          <select
            aria-label="Backend choice"
            value={forced ?? 'auto'}
            onChange={(e) => onForce(e.target.value === 'auto' ? null : (e.target.value as BackendName))}
          >
            <option value="auto">automatic</option>
            {BACKEND_NAMES.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
      </header>
      {info ? (
        <div>
          <p data-testid="backend-active">
            Active: <strong>{info.active}</strong> — {info.adapter || 'unknown adapter'}
            {info.isSoftware
              ? ' (CPU or software rendering: expect slow steps; sizes were scaled down)'
              : ''}{' '}
            · started in {info.initMs.toFixed(0)} ms
          </p>
          {info.skipped.length > 0 && (
            <ul className="skipped" aria-label="Skipped backends">
              {info.skipped.map((s) => (
                <li key={s.backend}>
                  Skipped <strong>{s.backend}</strong>: {s.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : (
        <p>Selecting a backend…</p>
      )}
      {onCheck && (
        <div className="self-check">
          <button
            type="button"
            disabled={!info || busy || (check !== null && !check.done)}
            onClick={onCheck}
            title="Runs the engine's correctness checks on this backend: the worked loss values (docs/method.md), Mixer invariants, same-seed determinism, no tensor growth, and agreement of the first steps with the cpu backend. Stops the current run."
          >
            Check this backend
          </button>
          {check && (
            <>
              <p role="status" data-testid="self-check-summary">
                {check.done
                  ? `${check.results.filter((r) => r.ok).length} of ${check.results.length} checks passed on ${check.backend} in ${((check.ms ?? 0) / 1000).toFixed(1)} s`
                  : `Checking… ${check.results.length} done`}
              </p>
              <ul aria-label="Self-check results" className="self-check-results">
                {check.results.map((r) => (
                  <li key={r.name} className={r.ok ? 'ok' : 'bad'}>
                    {r.ok ? '✓' : '✗'} {r.name} <small>{r.detail}</small>
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </section>
  );
}
