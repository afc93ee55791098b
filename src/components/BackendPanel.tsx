/**
 * Which TF.js backend runs, on what adapter, why the preferred ones were skipped, and a picker to
 * force one (it restarts the worker and is kept in the URL as `?backend=`).
 */
import { BACKEND_NAMES, type BackendName } from '../core/config';
import type { BackendInfo } from '../worker/protocol';

interface Props {
  info: BackendInfo | null;
  forced: BackendName | null;
  onForce: (b: BackendName | null) => void;
}

export function BackendPanel({ info, forced, onForce }: Props) {
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
    </section>
  );
}
