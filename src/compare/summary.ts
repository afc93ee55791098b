/**
 * The results table of a comparison: per-method statistics over seeds, sorting, Markdown and CSV
 * renderings, and the "diff only" view of two runs' configurations. Pure TypeScript (no TF.js, no
 * DOM), shared by the UI and `npm run compare`.
 */
import { FIELD_RULES, LEARNED_METHODS, type MethodName, type RunConfig } from '../core/config';
import type { CompareMeta, CompareRow, CompareRunResult, CompareSortKey, MeanStd } from './types';
import { csvText } from '../lib/csv';

/** Mean and sample standard deviation (n − 1) of the finite values; NaN where undefined. */
export function meanStd(values: number[]): MeanStd {
  const f = values.filter(Number.isFinite);
  const n = f.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = f.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean, std: NaN, n };
  const ss = f.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (n - 1)), n };
}

/** Whether a run of `method` with `config` trains the clean-image CE term (docs/method.md). */
export function hasCleanCE(method: MethodName, config: Pick<RunConfig, 'cleanCE'>): boolean {
  return method === 'erm' || LEARNED_METHODS.includes(method) || config.cleanCE;
}

/**
 * Aggregates results per method, rows in the order the methods first appear. Statistics are over
 * the completed runs (empty `error`); failed or stopped runs are only counted in `failed`.
 * `ratioToErm` is a method's mean ms/step over ERM's (NaN without a completed ERM run).
 */
export function summarize(results: CompareRunResult[]): CompareRow[] {
  // Runs group by label without the seed suffix: the method, or a variant such as "samix η=0".
  const groups = new Map<string, CompareRunResult[]>();
  for (const r of results) {
    const key = groupLabel(r.label);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const rows: CompareRow[] = [...groups].map(([label, all]) => {
    const ok = all.filter((r) => r.error === '');
    const method: MethodName = all[0].method;
    return {
      method,
      label,
      n: ok.length,
      failed: all.length - ok.length,
      finalQ: meanStd(ok.map((r) => r.finalTestAccQ)),
      finalK: meanStd(ok.map((r) => r.finalTestAccK)),
      bestQ: meanStd(ok.map((r) => r.bestTestAccQ)),
      bestK: meanStd(ok.map((r) => r.bestTestAccK)),
      objectKept: meanStd(ok.map((r) => r.finalObjectKept)),
      msPerStep: meanStd(ok.map((r) => r.msPerStep)).mean,
      ratioToErm: NaN,
      examplesSeen: meanStd(ok.map((r) => r.examplesSeen)).mean,
      cleanCE: hasCleanCE(method, all[0].config),
    };
  });
  const erm = rows.find((r) => r.label === 'erm') ?? rows.find((r) => r.method === 'erm');
  const base = erm ? erm.msPerStep : NaN;
  for (const r of rows) r.ratioToErm = base > 0 ? r.msPerStep / base : NaN;
  return rows;
}

/** A run label without its seed suffix (`samix s3` → `samix`). */
export function groupLabel(label: string): string {
  return label.replace(/ s\d+$/, '');
}

function sortValue(row: CompareRow, key: CompareSortKey): number | string {
  const v = row[key];
  return typeof v === 'object' ? v.mean : v;
}

/**
 * A sorted copy of `rows`. Numbers compare numerically (MeanStd by its mean), `method` by name;
 * NaN values go last in both directions; ties keep their order.
 */
export function sortRows(rows: CompareRow[], key: CompareSortKey, dir: 'asc' | 'desc'): CompareRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (typeof x === 'string' || typeof y === 'string') return sign * String(x).localeCompare(String(y));
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn === yn ? 0 : xn ? 1 : -1;
    return sign * (x - y);
  });
}

/** `61.25 ± 1.41` (percent, 2 decimals), `61.25` for one seed, `—` when undefined. */
export function formatPct(s: MeanStd): string {
  if (!Number.isFinite(s.mean)) return '—';
  const m = (s.mean * 100).toFixed(2);
  return Number.isFinite(s.std) ? `${m} ± ${(s.std * 100).toFixed(2)}` : m;
}

const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** `1.18 ± 0.03` (an object-kept score), `1.18` for one seed, `—` where the score does not apply. */
export function formatScore(s: MeanStd): string {
  if (!Number.isFinite(s.mean)) return '—';
  return Number.isFinite(s.std) ? `${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}` : s.mean.toFixed(2);
}

/** The one-line caption: dataset, budget, seeds and whether the apples-to-apples term was on. */
export function caption(meta: CompareMeta): string {
  return (
    `Dataset ${meta.dataset}, ${meta.steps} steps, batch ${meta.batch}, ` +
    `${meta.seeds} seed${meta.seeds === 1 ? '' : 's'}; ` +
    `apples-to-apples clean-CE term for hand-crafted baselines: ${meta.cleanCE ? 'on' : 'off'}. ` +
    `Test accuracy in %, mean ± std over seeds; best acc is the online encoder's (q). ` +
    `Object kept: both objects' visible shares on fixed test pairs (1 = masks that ignore the images, ` +
    `2 = both whole; datasets with object masks only).`
  );
}

/**
 * The results table in Markdown: the caption line, a blank line, then
 * `method | final acc (q) | final acc (k) | best acc | object kept | ms/step | × ERM | examples`.
 * A method with failed runs is marked `(k failed)`; `—` marks values that do not exist
 * (k accuracy without a momentum encoder, × ERM without ERM).
 */
export function toMarkdown(rows: CompareRow[], meta: CompareMeta): string {
  const head = [
    'method',
    'final acc (q)',
    'final acc (k)',
    'best acc',
    'object kept',
    'ms/step',
    '× ERM',
    'examples',
  ];
  const align = ['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:'];
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const body = rows.map((r) =>
    line([
      r.failed > 0 ? `${r.label} (${r.failed} failed)` : r.label,
      formatPct(r.finalQ),
      formatPct(r.finalK),
      formatPct(r.bestQ),
      formatScore(r.objectKept),
      fixed(r.msPerStep, 1),
      fixed(r.ratioToErm, 2),
      Number.isFinite(r.examplesSeen) ? String(Math.round(r.examplesSeen)) : '—',
    ]),
  );
  return [caption(meta), '', line(head), line(align), ...body].join('\n') + '\n';
}

/** Column names of {@link toCsv}, in order. */
export const CSV_COLUMNS = [
  'method',
  'n',
  'failed',
  'final_acc_q_mean',
  'final_acc_q_std',
  'final_acc_k_mean',
  'final_acc_k_std',
  'best_acc_q_mean',
  'best_acc_q_std',
  'best_acc_k_mean',
  'best_acc_k_std',
  'object_kept_mean',
  'object_kept_std',
  'ms_per_step',
  'ratio_to_erm',
  'examples_seen',
  'clean_ce',
] as const;

/**
 * The rows as CSV (header line, `\n` line ends, trailing newline). Accuracies are fractions in
 * [0, 1] at full precision; values that do not exist (NaN) are empty fields.
 */
export function toCsv(rows: CompareRow[]): string {
  return csvText(
    CSV_COLUMNS,
    rows.map((r) => [
      r.label,
      r.n,
      r.failed,
      ...[r.finalQ, r.finalK, r.bestQ, r.bestK, r.objectKept].flatMap((s) => [s.mean, s.std]),
      r.msPerStep,
      r.ratioToErm,
      r.examplesSeen,
      r.cleanCE,
    ]),
  );
}

/** One field that differs between two configurations. */
export interface ConfigDiff {
  field: keyof RunConfig;
  a: RunConfig[keyof RunConfig];
  b: RunConfig[keyof RunConfig];
}

/** The fields in which `a` and `b` differ (the "diff only" view), in the order of FIELD_RULES. */
export function diffConfigs(a: RunConfig, b: RunConfig): ConfigDiff[] {
  const fields = Object.keys(FIELD_RULES) as Array<keyof RunConfig>;
  return fields.filter((f) => !Object.is(a[f], b[f])).map((field) => ({ field, a: a[field], b: b[field] }));
}
