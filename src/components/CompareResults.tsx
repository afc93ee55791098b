/**
 * Results of a comparison: a sortable table (mean ± std over seeds, ms per step and its ratio to
 * ERM, examples seen), the test-accuracy curves of every run overlaid (one colour per method), the
 * first probe pair mixed by each method side by side, and a "diff only" view of two runs' configs.
 */
import { useMemo, useState } from 'react';
import { MetricChart, type ChartRow, type SeriesDef } from '../charts/MetricChart';
import {
  diffConfigs,
  formatPct,
  formatScore,
  groupLabel,
  sortRows,
  summarize,
  toCsv,
  toMarkdown,
} from '../compare/summary';
import type { CompareSortKey } from '../compare/types';
import type { CompareState } from '../hooks/useTrainer';
import { groupColors } from '../ui/colors';
import type { CompareCurve } from '../ui/comparePresets';
import { LEARNED_METHODS } from '../core/config';
import { download } from '../ui/download';
import { imageToRgba, maskToRgba } from '../ui/pixels';
import { PixelCanvas } from './PixelCanvas';

const NO_MARKS: Array<{ step: number; label: string }> = [];

const COLUMNS: Array<[CompareSortKey, string]> = [
  ['label', 'method'],
  ['finalQ', 'final acc (q)'],
  ['finalK', 'final acc (k)'],
  ['bestQ', 'best acc (q)'],
  ['objectKept', 'object kept'],
  ['msPerStep', 'ms/step'],
  ['ratioToErm', '× ERM'],
  ['examplesSeen', 'examples'],
];

const CURVES: Array<{ id: CompareCurve; title: string; yLabel: string }> = [
  { id: 'accuracy', title: 'Compared test accuracy', yLabel: 'test accuracy (online)' },
  { id: 'local', title: 'Compared Mixer local term', yLabel: 'local loss (nats)' },
  { id: 'global', title: 'Compared Mixer global term', yLabel: 'global loss (nats)' },
];
const UNIT: [number, number] = [0, 1];
const ACC_KEYS = (n: number) => Array.from({ length: n }, (_, i) => `r${i}`);

export function CompareResults({
  compare,
  classes,
  cleanCE,
  curves,
  onCurves,
}: {
  compare: CompareState;
  classes: string[];
  cleanCE: boolean;
  /** Which curves are overlaid (a preset chooses; the checkboxes change it). */
  curves: CompareCurve[];
  onCurves: (c: CompareCurve[]) => void;
}) {
  const [sort, setSort] = useState<{ key: CompareSortKey; dir: 'asc' | 'desc' } | null>(null);
  const [diff, setDiff] = useState<[number, number]>([0, 1]);
  const results = compare.results.map((r) => r.result);
  const rows = useMemo(() => summarize(compare.results.map((r) => r.result)), [compare.results]);
  const shown = sort ? sortRows(rows, sort.key, sort.dir) : rows;
  // One distinct colour per group of runs (variants of one method, e.g. η values, too).
  const colors = useMemo(
    () => groupColors(compare.entries.map((e) => ({ label: groupLabel(e.label), method: e.method }))),
    [compare.entries],
  );
  const colorOf = (label: string): string => colors.get(groupLabel(label)) ?? '#111827';
  const series: SeriesDef[] = useMemo(
    () =>
      compare.entries.map((e, i) => ({
        key: `r${i}`,
        label: e.label,
        color: colors.get(groupLabel(e.label)) ?? '#111827',
      })),
    [compare.entries, colors],
  );
  const curveRows = useMemo<Record<CompareCurve, ChartRow[]>>(() => {
    const acc: ChartRow[] = [];
    compare.evals.forEach((list, i) =>
      list?.forEach((e) => acc.push({ step: e.step, [`r${i}`]: e.testAccQ })),
    );
    const term = (k: 'local' | 'global'): ChartRow[] => {
      const out: ChartRow[] = [];
      compare.results.forEach(({ result }) => {
        const i = compare.entries.findIndex((e) => e.label === result.label);
        for (const m of result.metrics) out.push({ step: m.step, [`r${i}`]: m.loss[k] });
      });
      return out.sort((a, b) => a.step - b.step);
    };
    return { accuracy: acc.sort((a, b) => a.step - b.step), local: term('local'), global: term('global') };
  }, [compare.evals, compare.results, compare.entries]);
  const learned = (i: number) => LEARNED_METHODS.includes(compare.entries[i].method);
  const meta = {
    dataset: compare.entries[0]?.config.dataset ?? '',
    steps: compare.entries[0]?.config.steps ?? 0,
    batch: compare.entries[0]?.config.batch ?? 0,
    cleanCE,
    seeds: new Set(compare.entries.map((e) => e.seed)).size,
  };
  const differences =
    results[diff[0]] && results[diff[1]] ? diffConfigs(results[diff[0]].config, results[diff[1]].config) : [];
  return (
    <div className="compare-results">
      <table className="compare-table" aria-label="Comparison results">
        <thead>
          <tr>
            {COLUMNS.map(([key, title]) => (
              <th key={key}>
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    setSort({ key, dir: sort?.key === key && sort.dir === 'desc' ? 'asc' : 'desc' })
                  }
                >
                  {title}
                  {sort?.key === key ? (sort.dir === 'desc' ? ' ▼' : ' ▲') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.label}>
              <td style={{ color: colorOf(r.label) }}>
                {r.label}
                {r.failed ? ` (${r.failed} failed)` : ''}
                {r.cleanCE ? ' ·clean CE' : ''}
              </td>
              <td>{formatPct(r.finalQ)}</td>
              <td>{formatPct(r.finalK)}</td>
              <td>{formatPct(r.bestQ)}</td>
              <td title="both objects' visible shares on fixed test pairs: 1 = masks that ignore the images">
                {formatScore(r.objectKept)}
              </td>
              <td>{Number.isFinite(r.msPerStep) ? r.msPerStep.toFixed(0) : '—'}</td>
              <td>{Number.isFinite(r.ratioToErm) ? r.ratioToErm.toFixed(2) : '—'}</td>
              <td>{Number.isFinite(r.examplesSeen) ? r.examplesSeen : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">
        {cleanCE ? 'Apples-to-apples: hand-crafted baselines also train on clean images. ' : ''}
        <button
          type="button"
          className="small"
          disabled={!rows.length}
          onClick={() => download('comparison.md', toMarkdown(rows, meta), 'text/markdown')}
        >
          Markdown
        </button>{' '}
        <button
          type="button"
          className="small"
          disabled={!rows.length}
          onClick={() => download('comparison.csv', toCsv(rows), 'text/csv')}
        >
          CSV
        </button>
      </p>
      <div className="row wrap" role="group" aria-label="Curves to overlay">
        Curves:{' '}
        {CURVES.map((c) => (
          <label key={c.id}>
            <input
              type="checkbox"
              checked={curves.includes(c.id)}
              onChange={() =>
                onCurves(curves.includes(c.id) ? curves.filter((x) => x !== c.id) : [...curves, c.id])
              }
            />{' '}
            {c.title.replace('Compared ', '')}
          </label>
        ))}
      </div>
      {CURVES.filter((c) => curves.includes(c.id)).map((c) => (
        <MetricChart
          key={c.id}
          title={c.title}
          series={c.id === 'accuracy' ? series : series.filter((_, i) => learned(i))}
          rows={curveRows[c.id]}
          smoothing={c.id === 'accuracy' ? 0 : 0.6}
          logY={false}
          marks={NO_MARKS}
          cursorStep={null}
          yDomain={c.id === 'accuracy' ? UNIT : undefined}
          yLabel={c.yLabel}
          sparse={c.id === 'accuracy' ? ACC_KEYS(series.length) : undefined}
          empty={
            c.id !== 'accuracy' && compare.results.length === 0
              ? 'The Mixer terms of each run appear when it finishes.'
              : undefined
          }
        />
      ))}
      <div className="compare-probes" aria-label="Same pair mixed by each method">
        {compare.results.map(({ result, probe, geometry }) =>
          probe && geometry ? (
            <figure key={result.label}>
              <PixelCanvas
                rgba={imageToRgba(probe.mixed, geometry.width, geometry.height, geometry.channels)}
                width={geometry.width}
                height={geometry.height}
                label={`${result.label} mixed`}
              />
              <PixelCanvas
                rgba={maskToRgba(probe.mask, geometry.width, geometry.height)}
                width={geometry.width}
                height={geometry.height}
                label={`${result.label} mask`}
              />
              <figcaption>
                {result.label} · {classes[probe.labelA] ?? probe.labelA}/
                {classes[probe.labelB] ?? probe.labelB} · λ {probe.lamEff.toFixed(2)}
              </figcaption>
            </figure>
          ) : null,
        )}
      </div>
      {results.length >= 2 && (
        <div className="diff">
          Diff only:{' '}
          {[0, 1].map((k) => (
            <select
              key={k}
              aria-label={`Run ${k + 1} to diff`}
              value={diff[k]}
              onChange={(e) =>
                setDiff(k === 0 ? [Number(e.target.value), diff[1]] : [diff[0], Number(e.target.value)])
              }
            >
              {results.map((r, i) => (
                <option key={r.label} value={i}>
                  {r.label}
                </option>
              ))}
            </select>
          ))}
          <ul>
            {differences.length === 0 ? (
              <li>identical configurations</li>
            ) : (
              differences.map((d) => <li key={d.field}>{`${d.field}: ${String(d.a)} → ${String(d.b)}`}</li>)
            )}
          </ul>
        </div>
      )}
    </div>
  );
}
