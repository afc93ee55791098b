/**
 * Compare methods on equal terms: pick methods (and seeds) or a teaching preset, run them as a queue
 * in the worker with the same seed, initial weights and data order, and read the results table,
 * the overlaid test-accuracy curves and the same probe pair mixed by each method.
 */
import { useState } from 'react';
import { METHOD_NAMES, type MethodName, type RunConfig } from '../core/config';
import type { CompareEntry } from '../compare/types';
import type { CompareState } from '../hooks/useTrainer';
import {
  COMPARE_PRESETS,
  parseEtaList,
  planSelection,
  type CompareCurve,
  type ComparePreset,
} from '../ui/comparePresets';
import { CompareResults } from './CompareResults';

interface Props {
  base: RunConfig;
  compare: CompareState | null;
  classes: string[];
  initial: string | null;
  running: boolean;
  onRun: (entries: CompareEntry[]) => void;
  onStop: () => void;
}

function initialMethods(initial: string | null): Set<MethodName> {
  const preset = presetOf(initial);
  if (preset) return new Set(preset.methods);
  const listed = (initial ?? '')
    .split(',')
    .filter((m): m is MethodName => (METHOD_NAMES as readonly string[]).includes(m));
  return new Set(listed.length ? listed : ['erm', 'mixup', 'cutmix', 'samix']);
}

function presetOf(initial: string | null): ComparePreset | undefined {
  return COMPARE_PRESETS.find((p) => p.id === initial || p.hash.endsWith(`compare=${initial}`));
}

export function ComparePanel({ base, compare, classes, initial, running, onRun, onStop }: Props) {
  const [methods, setMethods] = useState(() => initialMethods(initial));
  const [seeds, setSeeds] = useState(1);
  const [cleanCE, setCleanCE] = useState(false);
  const [preset, setPreset] = useState(() => presetOf(initial)?.id ?? '');
  const [etaText, setEtaText] = useState(() => (presetOf(initial)?.etas ?? []).join(', '));
  const [curves, setCurves] = useState<CompareCurve[]>(() => presetOf(initial)?.curves ?? ['accuracy']);
  const chosen = COMPARE_PRESETS.find((p) => p.id === preset);
  const cfg: RunConfig = { ...base, cleanCE };
  let etas: number[] = [];
  let etaError = '';
  try {
    etas = parseEtaList(etaText);
  } catch (e) {
    etaError = (e as Error).message;
  }
  const run = () =>
    onRun(
      planSelection(
        cfg,
        METHOD_NAMES.filter((m) => methods.has(m)),
        seeds,
        etas,
      ),
    );
  // A preset fills the selection in; everything stays editable (an edit keeps the preset's text).
  const applyPreset = (p: ComparePreset) => {
    setPreset(p.id);
    setMethods(new Set(p.methods));
    setEtaText(p.etas.join(', '));
    setCurves(p.curves);
  };
  const toggle = (m: MethodName) => {
    const next = new Set(methods);
    if (next.has(m)) next.delete(m);
    else next.add(m);
    setMethods(next);
  };
  return (
    <section aria-label="Compare" className="panel">
      <header className="panel-head">
        <h2>Compare</h2>
        <span>
          {compare?.progress && !compare.done
            ? `run ${compare.progress.index + 1}/${compare.entries.length}: step ${compare.progress.step}/${compare.progress.total}`
            : `${base.steps} steps each on ${base.dataset}, seed ${base.seed}${seeds > 1 ? `…${base.seed + seeds - 1}` : ''}`}
        </span>
        {running ? (
          <button type="button" className="small" onClick={onStop}>
            Stop comparison
          </button>
        ) : (
          <button
            type="button"
            className="small primary"
            onClick={run}
            disabled={methods.size === 0 || etaError !== ''}
          >
            Run comparison
          </button>
        )}
      </header>
      <div className="compare-methods" role="group" aria-label="Methods to compare">
        {METHOD_NAMES.map((m) => (
          <label key={m}>
            <input type="checkbox" checked={methods.has(m)} onChange={() => toggle(m)} /> {m}
          </label>
        ))}
        <label title="Seeds per method (mean ± std over seeds in the table).">
          seeds{' '}
          <input
            type="number"
            min={1}
            max={10}
            value={seeds}
            aria-label="Seeds"
            onChange={(e) => setSeeds(Math.max(1, Math.min(10, Number(e.target.value) || 1)))}
          />
        </label>
        <label title="One run of SAMix / AutoMix per η value, e.g. 0, 0.5, 1 (empty: the η in the settings).">
          η values{' '}
          <input
            type="text"
            value={etaText}
            aria-label="η values"
            aria-invalid={etaError !== ''}
            placeholder={String(base.eta)}
            size={10}
            onChange={(e) => setEtaText(e.target.value)}
          />
        </label>
        <label title="Give hand-crafted baselines the clean-image CE term online SAMix and AutoMix have (docs/method.md).">
          <input type="checkbox" checked={cleanCE} onChange={(e) => setCleanCE(e.target.checked)} />{' '}
          apples-to-apples (clean CE)
        </label>
      </div>
      <div className="presets">
        Presets:{' '}
        {COMPARE_PRESETS.map((p) => (
          <a
            key={p.id}
            href={p.hash}
            onClick={() => applyPreset(p)}
            aria-current={p.id === preset ? 'true' : undefined}
          >
            {p.title}
          </a>
        ))}
        {chosen && <p className="hint">{chosen.explain}</p>}
        {etaError && (
          <p role="alert" className="field-error">
            {etaError}
          </p>
        )}
      </div>
      {compare && (
        <CompareResults
          compare={compare}
          classes={classes}
          cleanCE={cfg.cleanCE}
          curves={curves}
          onCurves={setCurves}
        />
      )}
    </section>
  );
}
