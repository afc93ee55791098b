/**
 * The ranking check (`npm run ranking`, docs/ranking.md): does SAMix earn its cost at playground
 * scale? Every method of a fixed list × seeds × datasets at one budget, aggregated per dataset, and
 * three targets checked on the aggregate:
 *
 *  1. order: mean final test accuracy (online encoder) SAMix ≥ AutoMix ≥ the best hand-crafted
 *     method ≥ ERM — the order of the published tables (docs/ranking.md);
 *  2. object kept: SAMix's masks keep both objects (objectKept.ts) with a score ≥ 1.15 on every seed;
 *  3. momentum encoder: SAMix's k is within 3 points of its q (mean over seeds).
 *
 * Pure TypeScript (no TF.js): planning, verdicts and the report; src/cli/ranking.ts runs it.
 */
import { type DatasetName, LEARNED_METHODS, type MethodName, type RunConfig } from '../core/config';
import { planComparison } from './plan';
import { formatPct, formatScore, groupLabel, summarize, toMarkdown } from './summary';
import type { CompareEntry, CompareMeta, CompareRow, CompareRunResult } from './types';

/** The methods ranked by default: ERM, three hand-crafted mixups, AutoMix and SAMix. */
export const RANKING_METHODS: readonly MethodName[] = [
  'erm',
  'mixup',
  'cutmix',
  'puzzlemix',
  'automix',
  'samix',
];
/** The datasets ranked by default (the built-in default and a real one). */
export const RANKING_DATASETS: readonly DatasetName[] = ['shapes', 'fashion-mnist'];

/** The targets' thresholds. */
export const RANKING_TARGETS = {
  /** SAMix's object-kept score on every seed. */
  objectKeptMin: 1.15,
  /** Largest |q − k| of SAMix's mean final accuracies (fraction). */
  momentumGapMax: 0.03,
} as const;

/** One run of the ranking: a comparison entry on a dataset. */
export interface RankingEntry extends CompareEntry {
  dataset: DatasetName;
}

/** Suffix of the control rows: a hand-crafted method given the clean-image CE term SAMix has. */
export const CONTROL_SUFFIX = '+CE';
/** The hand-crafted methods that get a control row (the cheap classics; PuzzleMix's would double its cost). */
export const CONTROL_METHODS: readonly MethodName[] = ['mixup', 'cutmix'];

/**
 * The runs of a ranking: for every dataset, `planComparison` of the methods over the seeds (each
 * run's configuration is `base` with dataset, method and seed set). With `controls`, Mixup and
 * CutMix (CONTROL_METHODS) also run with the clean-image CE term (label `mixup+CE`): what SAMix gains
 * from that term alone, apart from its masks (OpenMixup's baselines do not have it; docs/ranking.md).
 */
export function planRanking(
  base: RunConfig,
  datasets: readonly DatasetName[],
  methods: MethodName[],
  seeds: number,
  controls = false,
): RankingEntry[] {
  return datasets.flatMap((dataset) =>
    planComparison({ ...base, dataset }, methods, seeds).flatMap((e) => {
      const plain: RankingEntry = { ...e, label: `${e.method} s${e.seed}`, dataset };
      if (!controls || !CONTROL_METHODS.includes(e.method) || e.config.cleanCE) return [plain];
      const control: RankingEntry = {
        ...plain,
        label: `${e.method}${CONTROL_SUFFIX} s${e.seed}`,
        config: { ...e.config, cleanCE: true },
      };
      return [plain, control];
    }),
  );
}

/** One target's outcome: met, missed, or not applicable (`null`: a method or value is missing). */
export interface Verdict {
  target: string;
  met: boolean | null;
  detail: string;
}

function isHandCrafted(m: MethodName): boolean {
  return m !== 'erm' && !LEARNED_METHODS.includes(m) && m !== 'samixp';
}

/** The verdicts of one dataset's rows and runs (see the file comment; control rows do not rank). */
export function rankingVerdicts(rows: CompareRow[], results: CompareRunResult[]): Verdict[] {
  const row = (m: MethodName): CompareRow | undefined => rows.find((r) => r.label === m);
  const acc = (r: CompareRow | undefined): number => (r ? r.finalQ.mean : NaN);
  const hand = rows.filter(
    (r) => r.label === r.method && isHandCrafted(r.method) && Number.isFinite(r.finalQ.mean),
  );
  const best = hand.reduce<CompareRow | undefined>(
    (b, r) => (!b || r.finalQ.mean > b.finalQ.mean ? r : b),
    undefined,
  );
  const chain: Array<[string, number]> = [
    ['samix', acc(row('samix'))],
    ['automix', acc(row('automix'))],
    [best ? `best hand-crafted (${best.label})` : 'best hand-crafted', acc(best)],
    ['erm', acc(row('erm'))],
  ];
  const present = chain.filter(([, v]) => Number.isFinite(v));
  const ordered = present.every(([, v], i) => i === 0 || present[i - 1][1] >= v);
  const order: Verdict = {
    target: 'order SAMix ≥ AutoMix ≥ best hand-crafted ≥ ERM (mean final acc, q)',
    met: present.length === chain.length ? ordered : null,
    detail: chain
      .map(([name, v]) => `${name} ${Number.isFinite(v) ? (v * 100).toFixed(2) : '—'}`)
      .join(' ≥ '),
  };

  const samixRuns = results.filter(
    (r) => r.method === 'samix' && groupLabel(r.label) === 'samix' && r.error === '',
  );
  const kept = samixRuns.map((r) => r.finalObjectKept);
  const keptKnown = kept.length > 0 && kept.every(Number.isFinite);
  const objectKept: Verdict = {
    target: `SAMix object kept ≥ ${RANKING_TARGETS.objectKeptMin} on every seed`,
    met: keptKnown ? kept.every((v) => v >= RANKING_TARGETS.objectKeptMin) : null,
    detail: keptKnown
      ? samixRuns.map((r) => `s${r.seed} ${r.finalObjectKept.toFixed(3)}`).join(', ')
      : 'no object masks',
  };

  const s = row('samix');
  const gap = s ? Math.abs(s.finalQ.mean - s.finalK.mean) : NaN;
  const momentum: Verdict = {
    target: `SAMix momentum encoder within ${RANKING_TARGETS.momentumGapMax * 100} points of the online one`,
    met: Number.isFinite(gap) ? gap <= RANKING_TARGETS.momentumGapMax : null,
    detail: s
      ? `q ${formatPct(s.finalQ)}, k ${formatPct(s.finalK)}, gap ${(gap * 100).toFixed(2)} points`
      : '—',
  };
  return [order, objectKept, momentum];
}

/** One dataset's part of the report. */
export interface RankingSection {
  dataset: string;
  meta: CompareMeta;
  rows: CompareRow[];
  verdicts: Verdict[];
}

/** Aggregates the results per dataset (in the order the datasets first appear). */
export function rankingSections(
  entries: RankingEntry[],
  results: CompareRunResult[],
  seeds: number,
): RankingSection[] {
  const datasets = [...new Set(entries.map((e) => e.dataset))];
  return datasets.map((dataset) => {
    const mine = results.filter((r) => r.config.dataset === dataset);
    const rows = summarize(mine);
    const first = entries.find((e) => e.dataset === dataset)!.config;
    const meta: CompareMeta = {
      dataset,
      steps: first.steps,
      batch: first.batch,
      cleanCE: first.cleanCE,
      seeds,
    };
    return { dataset, meta, rows, verdicts: rankingVerdicts(rows, mine) };
  });
}

const mark = (v: Verdict): string => (v.met === null ? 'n/a' : v.met ? 'met' : 'MISSED');

/** The report in Markdown: per dataset the results table, the momentum gap and the targets. */
export function rankingMarkdown(sections: RankingSection[]): string {
  return sections
    .map((s) => {
      const gaps = s.rows
        .filter((r) => Number.isFinite(r.finalK.mean))
        .map((r) => `${r.label} ${((r.finalQ.mean - r.finalK.mean) * 100).toFixed(2)}`);
      const kept = s.rows
        .filter((r) => Number.isFinite(r.objectKept.mean))
        .map((r) => `${r.label} ${formatScore(r.objectKept)}`);
      return [
        `## ${s.dataset}`,
        '',
        toMarkdown(s.rows, s.meta).trimEnd(),
        '',
        `q − k (points): ${gaps.length ? gaps.join(', ') : '—'}`,
        `object kept: ${kept.length ? kept.join(', ') : '— (no object masks)'}`,
        '',
        ...s.verdicts.map((v) => `- ${mark(v)}: ${v.target}: ${v.detail}`),
        '',
      ].join('\n');
    })
    .join('\n');
}
