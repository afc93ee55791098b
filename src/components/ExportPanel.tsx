/**
 * Exports of the run on screen (live or reopened): metrics as CSV and JSON, the mask history as an
 * animated GIF and a PNG sheet, the whole run as a zip bundle (configuration, metrics, history),
 * and the OpenMixup config with the command lines to scale out on GPUs; plus importing a bundle.
 */
import { exportCsv, exportJson } from '../export/metricsTable';
import { useState } from 'react';
import { strFromU8, unzipSync } from 'fflate';
import type { RunConfig } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics } from '../core/trainerTypes';
import { toOpenMixupConfig } from '../export/openmixup';
import { buildRunBundle } from '../export/runBundle';
import { download } from '../ui/download';
import type { MaskFrame } from '../export/maskHistory';

interface Props {
  config: RunConfig;
  metrics: StepMetrics[];
  evals: EvalResult[];
  frames: MaskFrame[];
  images: Map<string, ProbeResult>;
  trainCount: number | null;
  onImport: (file: File) => void;
  /** The live run's classifier weights in the tfjs format (model.json + weights.bin), for the bundle. */
  fetchWeights?: () => Promise<Array<{ name: string; data: Uint8Array }>>;
}

export function ExportPanel(p: Props) {
  const [command, setCommand] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const base = `${p.config.method}-${p.config.dataset}-seed${p.config.seed}`;
  const last = p.images.size ? [...p.images.values()].pop() : undefined;
  const bundle = (media: boolean, weights?: Array<{ name: string; data: Uint8Array }>) =>
    buildRunBundle({
      weights,
      config: p.config,
      metrics: p.metrics,
      evals: p.evals,
      frames: p.frames,
      frameShape: last ? { width: last.width, height: last.height, channels: last.channels } : undefined,
      history: { frames: p.frames, images: p.images },
      media,
      meta: { exportedAt: new Date().toISOString(), app: 'samix-playground' },
    });
  const act = (fn: () => void) => () => {
    try {
      setError('');
      fn();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  const fromBundle = (name: string, mime: string) =>
    act(() => {
      const files = unzipSync(bundle(true));
      if (!files[name]) throw new Error(`nothing to export yet: ${name} needs at least one logged step`);
      download(
        `${base}-${name}`,
        name.endsWith('.csv') || name.endsWith('.json') ? strFromU8(files[name]) : files[name],
        mime,
      );
    });
  const noData = p.metrics.length === 0;
  return (
    <section aria-label="Export" className="panel">
      <header className="panel-head">
        <h2>Export</h2>
        <span>{noData ? 'train a few steps first' : `${p.metrics.length} logged steps`}</span>
      </header>
      <div className="buttons">
        <button
          type="button"
          className="small"
          disabled={noData}
          title="One row per logged step with readable column names and the test accuracy on evaluated steps (docs/export-keys.md)"
          onClick={act(() => download(`${base}-metrics.csv`, exportCsv(p.metrics, p.evals), 'text/csv'))}
        >
          Metrics CSV
        </button>
        <button
          type="button"
          className="small"
          disabled={noData}
          title="The same table as JSON: { columns, rows }"
          onClick={act(() =>
            download(`${base}-metrics.json`, exportJson(p.metrics, p.evals), 'application/json'),
          )}
        >
          Metrics JSON
        </button>
        <button
          type="button"
          className="small"
          disabled={!p.frames.length}
          onClick={fromBundle('masks.gif', 'image/gif')}
        >
          Masks GIF
        </button>
        <button
          type="button"
          className="small"
          disabled={!p.frames.length}
          onClick={fromBundle('masks.png', 'image/png')}
        >
          Masks PNG sheet
        </button>
        <button
          type="button"
          className="small"
          disabled={noData}
          onClick={act(() => download(`${base}.zip`, bundle(true), 'application/zip'))}
        >
          Run bundle (zip)
        </button>
        {p.fetchWeights && (
          <button
            type="button"
            className="small"
            disabled={noData}
            title="The run bundle with the online classifier's weights in the tfjs format (weights/model.json + weights/weights.bin)"
            onClick={() => {
              setError('');
              p.fetchWeights!()
                .then((w) => download(`${base}.zip`, bundle(true, w), 'application/zip'))
                .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
            }}
          >
            Run bundle + weights (zip)
          </button>
        )}
        <button
          type="button"
          className="small"
          onClick={act(() => {
            const r = toOpenMixupConfig(
              p.config,
              p.trainCount ? { datasetSize: { train: p.trainCount } } : undefined,
            );
            download(`${base}-openmixup.py`, r.python, 'text/x-python');
            setCommand(r.command);
          })}
        >
          OpenMixup config
        </button>
        <label className="small-file">
          Import bundle{' '}
          <input
            type="file"
            accept=".zip"
            aria-label="Import run bundle"
            onChange={(e) => e.target.files?.[0] && p.onImport(e.target.files[0])}
          />
        </label>
      </div>
      {error && (
        <div role="alert" className="banner error">
          {error}
        </div>
      )}
      {command && (
        <pre className="command" aria-label="OpenMixup command lines">
          {command.join('\n')}
        </pre>
      )}
    </section>
  );
}
