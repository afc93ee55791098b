/**
 * Compare methods on equal terms: pick methods (and seeds) or a teaching preset, run them as a queue
 * in the worker with the same seed, initial weights and data order, and read the results table,
 * the overlaid test-accuracy curves and the same probe pair mixed by each method.
 */
import { useState } from 'react';
import { METHOD_NAMES, type MethodName, type RunConfig } from '../core/config';
import { planComparison } from '../compare/plan';
import type { CompareEntry } from '../compare/types';
import type { CompareState } from '../hooks/useTrainer';
import { COMPARE_PRESETS } from '../ui/comparePresets';
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
  const listed = (initial ?? '')
    .split(',')
    .filter((m): m is MethodName => (METHOD_NAMES as readonly string[]).includes(m));
  return new Set(listed.length ? listed : ['erm', 'mixup', 'cutmix', 'samix']);
}

export function ComparePanel({ base, compare, classes, initial, running, onRun, onStop }: Props) {
  const [methods, setMethods] = useState(() => initialMethods(initial));
  const [seeds, setSeeds] = useState(1);
  const [cleanCE, setCleanCE] = useState(false);
  const [preset, setPreset] = useState(
    () => COMPARE_PRESETS.find((p) => p.id === initial || p.hash.endsWith(`compare=${initial}`))?.id ?? '',
  );
  const chosen = COMPARE_PRESETS.find((p) => p.id === preset);
  const cfg: RunConfig = { ...base, cleanCE };
  const run = () =>
    onRun(
      chosen
        ? chosen.entries(cfg)
        : planComparison(
            cfg,
            METHOD_NAMES.filter((m) => methods.has(m)),
            seeds,
          ),
    );
  const toggle = (m: MethodName) => {
    const next = new Set(methods);
    if (next.has(m)) next.delete(m);
    else next.add(m);
    setMethods(next);
    setPreset('');
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
            disabled={!chosen && methods.size === 0}
          >
            Run comparison
          </button>
        )}
      </header>
      <div className="compare-methods" role="group" aria-label="Methods to compare">
        {METHOD_NAMES.map((m) => (
          <label key={m}>
            <input
              type="checkbox"
              checked={!chosen && methods.has(m)}
              disabled={!!chosen}
              onChange={() => toggle(m)}
            />{' '}
            {m}
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
        <label title="Give hand-crafted baselines the clean-image CE term online SAMix has (spec §7.10).">
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
            onClick={() => setPreset(p.id)}
            aria-current={p.id === preset ? 'true' : undefined}
          >
            {p.title}
          </a>
        ))}
        {chosen && <p className="hint">{chosen.explain}</p>}
      </div>
      {compare && <CompareResults compare={compare} classes={classes} cleanCE={cfg.cleanCE} />}
    </section>
  );
}
