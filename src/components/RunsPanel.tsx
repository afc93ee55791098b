/**
 * Runs kept in this browser: open one again (its charts, masks and timeline), rename, export as a
 * zip, delete; and how much storage they use.
 */
import type { SavedRunsApi } from '../hooks/useSavedRuns';
import { download } from '../ui/download';

interface Props {
  saved: SavedRunsApi;
  viewingId: string | null;
  onOpen: (id: string) => void;
  onBackToLive: () => void;
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;

export function RunsPanel({ saved, viewingId, onOpen, onBackToLive }: Props) {
  return (
    <section aria-label="Saved runs" className="panel">
      <header className="panel-head">
        <h2>Saved runs</h2>
        <span>
          {saved.runs.length} run{saved.runs.length === 1 ? '' : 's'}
          {saved.usage ? ` · storage ${mb(saved.usage.used)} of ${mb(saved.usage.quota)}` : ''}
        </span>
        {viewingId && (
          <button type="button" className="small" onClick={onBackToLive}>
            Back to live
          </button>
        )}
      </header>
      {saved.message && (
        <div role="alert" className="banner note">
          {saved.message}
          {saved.full && (
            <button
              type="button"
              className="small"
              onClick={() => void saved.freeSpace()}
              title="Deletes the older half of the saved runs (never the live one), then saves the live run again. Training is not interrupted."
            >
              Delete old runs and retry
            </button>
          )}
          <button type="button" className="small" onClick={saved.dismiss} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <table className="runs">
        {saved.runs.length > 0 && (
          <thead>
            <tr>
              <th>name</th>
              <th>run</th>
              <th title="Test accuracy of the online encoder at the run's last evaluation">test acc</th>
              <th>size</th>
              <th>actions</th>
            </tr>
          </thead>
        )}
        <tbody>
          {saved.runs.map((r) => (
            <tr key={r.key} className={r.key === viewingId ? 'viewing' : ''}>
              <td>
                <input
                  aria-label={`Name of run ${r.meta.name}`}
                  defaultValue={r.meta.name}
                  onBlur={(e) => e.target.value !== r.meta.name && void saved.rename(r.key, e.target.value)}
                />
              </td>
              <td>
                {r.meta.method} · {r.meta.dataset} · {r.meta.steps} steps
              </td>
              <td>{Number.isFinite(r.meta.finalAccQ) ? `${(r.meta.finalAccQ * 100).toFixed(1)}%` : '–'}</td>
              <td>{mb(r.size)}</td>
              <td>
                <button type="button" className="small" onClick={() => onOpen(r.key)}>
                  Open
                </button>
                <button
                  type="button"
                  className="small"
                  onClick={async () => {
                    const b = await saved.download(r.key);
                    if (b) download(`${r.meta.name}.zip`, b, 'application/zip');
                  }}
                >
                  Zip
                </button>
                <button
                  type="button"
                  className="small"
                  onClick={() => void saved.remove(r.key)}
                  aria-label={`Delete run ${r.meta.name}`}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
