/**
 * SAMix^P Mixer bundles (docs/samixp.md): export the current SAMix/AutoMix run's momentum encoder (to
 * the Mixer's stage) + Mixer as a bundle — downloaded as one zip and stored in the browser under a
 * name — import a bundle file, list the stored ones, and pick one for a `samixp` run (sets the method
 * and `mixerBundle`). Also downloads the run's classifier weights in the tfjs format. Talks to the
 * worker only through its messages (worker/mixerProtocol.ts); no TF.js here.
 */
import { useEffect, useState } from 'react';
import { LEARNED_METHODS, type RunConfig } from '../core/config';
import { request, fetchRunWeights, type WorkerLink } from '../hooks/workerRequests';
import { download } from '../ui/download';
import type { StoredMixerSummary } from '../worker/mixerProtocol';

interface Props {
  link: WorkerLink;
  config: RunConfig;
  /** The live run's method (what an export reads); the form's when not given. */
  runMethod?: RunConfig['method'];
  /** A live run exists (started, not reset). */
  hasRun: boolean;
  datasetName: string | null;
  step: number;
  onChange: (patch: Partial<RunConfig>) => void;
}

const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`;

/** A stored-bundle name from a file name: `shapes-samix.mixer.zip` → `shapes-samix`. */
export function bundleNameOf(fileName: string): string {
  const n = fileName.replace(/\.mixer\.zip$|\.zip$/i, '').replace(/[^\w.\- ]+/g, '-');
  return n.slice(0, 100) || 'bundle';
}

export function MixerBundlePanel(p: Props) {
  const { link } = p;
  const [entries, setEntries] = useState<StoredMixerSummary[]>([]);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [name, setName] = useState('');
  const { send, subscribe } = link; // stable callbacks (the link object changes every render)
  useEffect(() => {
    const stop = subscribe((m) => {
      if (m.type === 'mixers') setEntries(m.entries);
    });
    send({ type: 'listMixers' });
    return stop;
  }, [send, subscribe]);

  const method = p.runMethod ?? p.config.method;
  const learned = LEARNED_METHODS.includes(method);
  const suggested = `${p.datasetName ?? p.config.dataset}-${method}-${p.step}`;
  const run = (what: () => Promise<string>) => {
    setBusy(true);
    setError('');
    setNote('');
    what()
      .then(setNote)
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(false));
  };
  const exportBundle = () =>
    run(async () => {
      const n = name.trim() || suggested;
      const r = await request(
        link,
        (requestId) => ({ type: 'exportMixer', requestId, name: n, store: true }),
        'mixerExported',
      );
      download(r.fileName, r.bytes, 'application/zip');
      return `Exported and stored "${r.name}" (${kb(r.bytes.byteLength)}).`;
    });
  const importFile = (file: File) =>
    run(async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const n = bundleNameOf(file.name);
      const r = await request(
        link,
        (requestId) => ({ type: 'importMixer', requestId, name: n, bytes }),
        'mixerImported',
      );
      return `Imported "${r.entry.name}": ${r.entry.description}.`;
    });
  const exportWeights = () =>
    run(async () => {
      const files = await fetchRunWeights(link);
      for (const f of files)
        download(
          `${suggested}-${f.name}`,
          f.data,
          f.name.endsWith('.json') ? 'application/json' : 'application/octet-stream',
        );
      return 'Downloaded model.json + weights.bin (tfjs weights format).';
    });
  const missing = p.config.method === 'samixp' && !entries.some((e) => e.name === p.config.mixerBundle);

  return (
    <section aria-label="Mixer bundles" className="panel">
      <header className="panel-head">
        <h2>Mixer bundles (SAMix^P)</h2>
        <span>{entries.length} stored</span>
      </header>
      {missing && (
        <div role="alert" className="banner note" data-testid="samixp-needs-bundle">
          {p.config.mixerBundle
            ? `SAMix^P: the bundle "${p.config.mixerBundle}" is not stored in this browser; import it or pick another.`
            : 'SAMix^P needs a pre-trained Mixer: export one from a SAMix run below, or import a bundle file, then press "Use".'}
        </div>
      )}
      <div className="import-row">
        <input
          aria-label="Bundle name"
          placeholder={suggested}
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
        />
        <button
          type="button"
          className="small"
          disabled={!p.hasRun || !learned || busy}
          title={
            learned
              ? 'Download the momentum encoder (to the Mixer stage) + Mixer and keep it here'
              : 'Only SAMix and AutoMix runs train a Mixer'
          }
          onClick={exportBundle}
        >
          Export Mixer bundle
        </button>
        <label className="small button">
          Import bundle…
          <input
            type="file"
            accept=".zip,application/zip"
            aria-label="Import Mixer bundle"
            hidden
            disabled={busy}
            onChange={(e) => {
              const f = e.target.files?.[0];
              e.target.value = '';
              if (f) importFile(f);
            }}
          />
        </label>
        <button type="button" className="small" disabled={!p.hasRun || busy} onClick={exportWeights}>
          Classifier weights (tfjs)
        </button>
      </div>
      {error && (
        <div role="alert" className="banner error" data-testid="mixer-error">
          {error}
        </div>
      )}
      {note && <p className="muted">{note}</p>}
      <ul className="dataset-list" aria-label="Stored Mixer bundles">
        {entries.map((e) => (
          <li key={e.name}>
            <strong>{e.name}</strong>{' '}
            <span className="muted">
              {e.description}, {kb(e.size)}
            </span>{' '}
            <button
              type="button"
              className="small"
              aria-pressed={p.config.method === 'samixp' && p.config.mixerBundle === e.name}
              onClick={() => p.onChange({ method: 'samixp', mixerBundle: e.name })}
            >
              Use for SAMix^P
            </button>{' '}
            <button
              type="button"
              className="small"
              onClick={() => link.send({ type: 'deleteMixer', name: e.name })}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
