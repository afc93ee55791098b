/**
 * The Datasets panel: what is available (built-in, installed shards, imported), imports of the
 * user's own data (CIFAR-10 binaries or their archive, a URL, a folder with one sub-folder per class,
 * a zip, IDX files; picked or dropped), a progress bar for loads longer than half a second, the
 * per-class counts of an import before training, and the IndexedDB cache with sizes and removal.
 */
import { useEffect, useState, type DragEvent } from 'react';
import { DATASET_LIST, type DataIndex } from '../data/catalog';
import type { DataImportState } from '../hooks/useTrainer';
import type { DataLoadState } from '../client/runState';
import type { CachedDatasetSummary } from '../worker/datasetCache';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import { sourceFromDrop } from '../ui/dropFiles';

interface Props {
  dataImport: DataImportState | null;
  /** The run's dataset load (shards, cache), while it is loading. */
  dataLoad?: DataLoadState | null;
  cached: CachedDatasetSummary[];
  onImport: (source: UserDataSource, options: ImportOptions) => void;
  onDelete: (name: string) => void;
  onUse: (name: string) => void;
  /** The dataset the next Start trains on (marked "in use"). */
  inUse: string;
}

function fmtMB(n: number): string {
  return `${(n / 2 ** 20).toFixed(1)} MB`;
}

function useDataIndex(): DataIndex | null {
  const [index, setIndex] = useState<DataIndex | null>(null);
  useEffect(() => {
    fetch(`${import.meta.env.BASE_URL}data/index.json`)
      .then((r) => (r.ok ? (r.json() as Promise<DataIndex>) : null))
      .then(setIndex)
      .catch(() => setIndex(null));
  }, []);
  return index;
}

/** A progress bar that appears once a load has taken half a second. */
function LoadBar({ s, what }: { s: DataLoadState; what: string }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const id = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(id);
  }, []);
  if (now - s.startedAt < 500) return null;
  const frac = s.total > 0 ? Math.min(1, s.loaded / s.total) : 0;
  return (
    <div
      className="progress light"
      role="progressbar"
      aria-label={`${what}: ${s.phase}`}
      aria-valuenow={Math.round(frac * 100)}
    >
      <div style={{ width: `${frac * 100}%` }} />
      <span>
        {s.phase} {Math.round(frac * 100)}%
      </span>
    </div>
  );
}

function ImportStatus({ s }: { s: DataImportState }) {
  if (s.error) {
    return (
      <div role="alert" className="banner error" data-testid="import-error">
        {s.error.message}
      </div>
    );
  }
  if (s.result) {
    const { info, classCounts } = s.result;
    return (
      <div data-testid="import-result" className="import-result">
        <strong>{info.name}</strong>: {info.trainCount} train / {info.testCount} test, {info.width}×
        {info.height}×{info.channels}
        <table>
          <tbody>
            {info.classes.map((c, i) => (
              <tr key={c}>
                <td>{c}</td>
                <td>{classCounts.train[i]}</td>
                <td>{classCounts.test[i]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  return <LoadBar s={s} what="Loading" />;
}

export function DatasetsPanel({ dataImport, dataLoad, cached, onImport, onDelete, onUse, inUse }: Props) {
  const index = useDataIndex();
  const [size, setSize] = useState(32);
  const [channels, setChannels] = useState<1 | 3>(3);
  const [url, setUrl] = useState('');
  const [dragging, setDragging] = useState(false);
  const options: ImportOptions = { size, channels };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const source = await sourceFromDrop(e.dataTransfer);
    if (source) onImport(source, options);
  };
  const files = (list: FileList | null): File[] => (list ? Array.from(list) : []);
  return (
    <section aria-label="Datasets" className="panel">
      <header className="panel-head">
        <h2>Datasets</h2>
      </header>
      <ul className="dataset-list">
        {DATASET_LIST.map((d) => {
          const entry = index?.datasets.find((x) => x.name === d.name);
          const cachedEntry = cached.find((c) => c.name === d.name);
          const available =
            d.source === 'builtin' || (entry?.available ?? false) || cachedEntry !== undefined;
          return (
            <li key={d.name} title={d.description}>
              <strong>{d.label}</strong>{' '}
              {d.name === inUse ? (
                <span className="badge" data-testid={`dataset-in-use-${d.name}`}>
                  in use
                </span>
              ) : available ? (
                <button type="button" className="small" onClick={() => onUse(d.name)}>
                  Use
                </button>
              ) : (
                <span className="muted">
                  unavailable — {entry && !entry.available ? entry.install : d.howToAdd}
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <div
        className={dragging ? 'dropzone over' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => void onDrop(e)}
      >
        Drop a folder (one sub-folder per class), a zip, CIFAR-10 files or IDX files here, or choose:
        <div className="import-row">
          <label>
            CIFAR-10 files{' '}
            <input
              type="file"
              multiple
              accept=".bin,.gz,.tgz,.tar"
              aria-label="CIFAR-10 files"
              onChange={(e) => onImport({ kind: 'cifar10', files: files(e.target.files) }, options)}
            />
          </label>
          <label>
            Image folder{' '}
            <input
              type="file"
              multiple
              aria-label="Image folder"
              {...{ webkitdirectory: '' }}
              onChange={(e) =>
                onImport(
                  {
                    kind: 'images',
                    files: files(e.target.files).map((f) => ({
                      path: f.webkitRelativePath || f.name,
                      file: f,
                    })),
                  },
                  options,
                )
              }
            />
          </label>
          <label>
            Zip{' '}
            <input
              type="file"
              accept=".zip"
              aria-label="Zip of images"
              onChange={(e) =>
                e.target.files?.[0] && onImport({ kind: 'zip', file: e.target.files[0] }, options)
              }
            />
          </label>
          <label>
            IDX files{' '}
            <input
              type="file"
              multiple
              aria-label="IDX files"
              onChange={(e) => onImport({ kind: 'idx', files: files(e.target.files) }, options)}
            />
          </label>
        </div>
        <div className="import-row">
          <input
            type="url"
            placeholder="https://…/cifar-10-binary.tar.gz"
            aria-label="CIFAR-10 URL"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
          <button
            type="button"
            className="small"
            disabled={!/^https?:\/\//.test(url)}
            onClick={() => onImport({ kind: 'url', url }, options)}
          >
            Fetch
          </button>
          <label title="Folder and zip images are centre-cropped and resized to this side.">
            size{' '}
            <select aria-label="Image size" value={size} onChange={(e) => setSize(Number(e.target.value))}>
              {[28, 32, 64].map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          </label>
          <label>
            channels{' '}
            <select
              aria-label="Channels"
              value={channels}
              onChange={(e) => setChannels(Number(e.target.value) as 1 | 3)}
            >
              <option value={3}>RGB</option>
              <option value={1}>gray</option>
            </select>
          </label>
        </div>
      </div>
      {dataLoad && <LoadBar s={dataLoad} what="Loading the run's dataset" />}
      {dataImport && <ImportStatus key={dataImport.requestId} s={dataImport} />}
      {cached.length > 0 && (
        <table className="cache" aria-label="Cached datasets">
          <thead>
            <tr>
              <th>cached</th>
              <th>train/test</th>
              <th>size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {cached.map((c) => (
              <tr key={c.name}>
                <td>{c.name}</td>
                <td>
                  {c.train}/{c.test}
                </td>
                <td>{fmtMB(c.size)}</td>
                <td>
                  <button
                    type="button"
                    className="small"
                    onClick={() => onDelete(c.name)}
                    aria-label={`Remove ${c.name} from the cache`}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
