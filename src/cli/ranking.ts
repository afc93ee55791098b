/**
 * `npm run ranking` — does SAMix earn its cost at playground scale? (docs/ranking.md)
 *
 * Trains ERM, Mixup, CutMix, PuzzleMix, AutoMix and SAMix (`--methods`) × 3 seeds (`--seeds`) on
 * `shapes` and Fashion-MNIST (`--datasets`) at one budget (default 2,000 steps at the playground's
 * CPU size, batch 32, width 8) on `--jobs` processes at once, then prints per dataset the results
 * table (mean ± std of the online and momentum encoders' test accuracy, the object-kept score of
 * every mask-making method on `shapes`, ms/step and its ratio to ERM) and whether the three targets
 * of src/compare/ranking.ts are met. Markdown goes to stdout (and `--md FILE`), everything to
 * `--out FILE` as JSON; progress goes to stderr.
 *
 * With `--controls` (on by default; `--controls false` turns it off) Mixup and CutMix also run with
 * the clean-image CE term SAMix and AutoMix train with (rows `mixup+CE`, `cutmix+CE`): these rows do
 * not rank, they show how much of SAMix's lead that term alone explains.
 *
 * Every RunConfig field except `method` and `dataset` can be set (`--steps 600 --eta 1 …`, or
 * `--config FILE` in camelCase; flags win). With `--jobs` above 1, ms/step is measured with that
 * many runs sharing the machine (the ratios stay comparable; the absolute figures do not).
 *
 * Exit codes: 0 when every run completed (whether or not the targets are met: it is a
 * measurement), 1 when a run failed, 2 for bad input (one line naming the flag).
 */
import { pathToFileURL } from 'node:url';
import {
  ConfigError,
  DATASET_NAMES,
  DEFAULT_CONFIG,
  type DatasetName,
  type MethodName,
  type RunConfig,
} from '../core/config';
import { parseMethodList, parseSeedCount } from '../compare/plan';
import {
  planRanking,
  RANKING_DATASETS,
  RANKING_METHODS,
  rankingMarkdown,
  rankingSections,
  type RankingEntry,
} from '../compare/ranking';
import {
  BOOLEAN_CONFIG_KEYS,
  CONFIG_KEYS,
  configFromSettings,
  flagTable,
  helpText,
  oneOf,
  parseArgv,
  positive,
  readConfigFile,
  runCommand,
  SHARED_HELP,
  UsageError,
} from './args';
import { checkOutputPath, writeFileAtomic } from './outputs';
import { runPool } from './runPool';

export interface RankingCliOptions {
  datasets: DatasetName[];
  methods: MethodName[];
  seeds: number;
  jobs: number;
  backend: 'wasm' | 'cpu';
  reportEvery: number;
  /** Also run every hand-crafted method with the clean-image CE term (control rows). */
  controls: boolean;
  out?: string;
  md?: string;
}

/** The ranking's budget and size unless flags say otherwise: the playground's CPU-sized run. */
export const RANKING_BASE: Partial<RunConfig> = { steps: 2000, batch: 32, width: 8 };

const CLI_KEYS = [
  'datasets',
  'methods',
  'seeds',
  'jobs',
  'backend',
  'reportEvery',
  'controls',
  'out',
  'md',
  'config',
];
const FIELD_KEYS = CONFIG_KEYS.filter((k) => k !== 'method' && k !== 'dataset');
const TABLE = flagTable([...FIELD_KEYS, ...CLI_KEYS]);
const HINTS = new Map([
  ['--method', '--method is not a ranking flag; use --methods erm,samix,… instead'],
  ['--dataset', '--dataset is not a ranking flag; use --datasets shapes,fashion-mnist instead'],
]);
const HELP = helpText(
  'usage: npm run ranking -- [--datasets shapes,fashion-mnist] [--methods …] [--seeds 3] [--jobs 2] [options]',
  [
    ['--datasets a,b', 'datasets ranked (shapes, mnist, fashion-mnist)'],
    ['--methods a,b,…', 'methods ranked (default erm,mixup,cutmix,puzzlemix,automix,samix)'],
    ['--seeds N', 'seeds per method (default 3)'],
    ['--jobs N', 'runs at once, one process each (default 2)'],
    ['--controls true|false', 'Mixup and CutMix also with the clean-image CE term (default true)'],
    SHARED_HELP.backend,
    SHARED_HELP.reportEvery,
    SHARED_HELP.out,
    ['--md FILE', 'the report as Markdown'],
    SHARED_HELP.config,
  ],
  TABLE,
);
const RANKABLE: readonly DatasetName[] = DATASET_NAMES.filter(
  (d) => d === 'shapes' || d === 'mnist' || d === 'fashion-mnist',
);

function datasetList(raw: string): DatasetName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UsageError(`--datasets must list at least one of ${RANKABLE.join(', ')}`);
  for (const n of names) {
    if (!(RANKABLE as readonly string[]).includes(n)) {
      throw new UsageError(`--datasets must be among ${RANKABLE.join(', ')}; got ${JSON.stringify(n)}`);
    }
  }
  return [...new Set(names)] as DatasetName[];
}

/** A list parser's ConfigError (`methods must …`) as a one-line UsageError naming the flag. */
function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`--${e.issues[0].message}`);
    throw e;
  }
}

/** Parses the command line: the shared run configuration and the ranking's own options. */
export function resolveRankingSettings(argv: string[]): { base: RunConfig; cli: RankingCliOptions } {
  const flags = parseArgv(argv, TABLE, {
    bare: new Set([...BOOLEAN_CONFIG_KEYS, 'controls']),
    hints: HINTS,
    help: HELP,
  });
  const file = flags.config !== undefined ? readConfigFile(flags.config) : {};
  const merged: Record<string, unknown> = Object.assign(Object.create(null), file, flags);
  delete merged.config;
  const cli: RankingCliOptions = {
    datasets: [...RANKING_DATASETS],
    methods: [...RANKING_METHODS],
    seeds: 3,
    jobs: 2,
    backend: 'wasm',
    reportEvery: 10,
    controls: true,
  };
  const partial: Record<string, unknown> = Object.assign(Object.create(null), RANKING_BASE);
  const text = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'method' || key === 'dataset') throw new UsageError(HINTS.get(`--${key}`)!);
    if (key === 'datasets') cli.datasets = datasetList(text(value));
    else if (key === 'methods') cli.methods = usage(() => parseMethodList(text(value)));
    else if (key === 'seeds') cli.seeds = usage(() => parseSeedCount(text(value)));
    else if (key === 'jobs') cli.jobs = positive('--jobs', value, true);
    else if (key === 'reportEvery') cli.reportEvery = positive('--report-every', value, true);
    else if (key === 'backend') cli.backend = oneOf('--backend', value, ['wasm', 'cpu'] as const);
    else if (key === 'controls')
      cli.controls = oneOf('--controls', String(value), ['true', 'false']) === 'true';
    else if (key === 'out' || key === 'md') cli[key] = String(value);
    else partial[key] = value;
  }
  const base = configFromSettings(partial, DEFAULT_CONFIG);
  if (cli.out !== undefined) checkOutputPath('--out', cli.out, 'file');
  if (cli.md !== undefined) checkOutputPath('--md', cli.md, 'file');
  return { base, cli };
}

/** Expensive runs first, so the processes finish together (the slow learned methods start early). */
function schedule(entries: RankingEntry[]): number[] {
  const cost = (m: MethodName): number => (m === 'samix' || m === 'automix' ? 3 : m === 'puzzlemix' ? 2 : 1);
  return entries.map((_, i) => i).sort((a, b) => cost(entries[b].method) - cost(entries[a].method) || a - b);
}

/** Runs the ranking; resolves to the process exit code. */
export async function runRanking(
  argv: string[],
  log: (line: string) => void,
): Promise<{ code: number; markdown: string }> {
  const { base, cli } = resolveRankingSettings(argv);
  const planned = planRanking(base, cli.datasets, cli.methods, cli.seeds, cli.controls);
  const order = schedule(planned);
  const entries = order.map((i) => planned[i]);
  log(
    `ranking: ${cli.methods.join(', ')} × ${cli.seeds} seed(s) on ${cli.datasets.join(', ')}, ` +
      `${base.steps} steps, batch ${base.batch}, width ${base.width}, ${cli.jobs} job(s), ${cli.backend}`,
  );
  const t0 = performance.now();
  const tag = (i: number): string => `[${entries[i].dataset} ${entries[i].label}]`;
  const results = await runPool(
    entries,
    { jobs: cli.jobs, backend: cli.backend, reportEvery: cli.reportEvery },
    {
      onProgress: (i, step, total) => {
        if (step === total || step % 500 === 0) log(`${tag(i)} step ${step}/${total}`);
      },
      onResult: (i, r) => {
        const kept = Number.isFinite(r.finalObjectKept)
          ? `, object kept ${r.finalObjectKept.toFixed(3)}`
          : '';
        const pct = (v: number): string => (Number.isFinite(v) ? (v * 100).toFixed(2) : '—');
        const what = r.error ? `FAILED: ${r.error}` : `q ${pct(r.finalTestAccQ)} k ${pct(r.finalTestAccK)}`;
        log(`${tag(i)} ${what}${kept}, ${r.msPerStep.toFixed(1)} ms/step`);
      },
    },
  );
  // Back to the planned order (dataset, seed, method) for the tables.
  const byPlan = new Array(planned.length);
  order.forEach((p, i) => (byPlan[p] = results[i]));
  const sections = rankingSections(planned, byPlan, cli.seeds);
  const markdown =
    `# Ranking, ${new Date().toISOString().slice(0, 10)}: ${base.steps} steps, batch ${base.batch}, ` +
    `width ${base.width}, ${cli.seeds} seed(s), ${cli.jobs} job(s) on ${cli.backend}, ` +
    `${((performance.now() - t0) / 60000).toFixed(1)} min\n\n${rankingMarkdown(sections)}`;
  if (cli.md) writeFileAtomic(cli.md, markdown);
  if (cli.out)
    writeFileAtomic(
      cli.out,
      `${JSON.stringify({ config: base, options: cli, sections, results: byPlan }, null, 1)}\n`,
    );
  const failed = byPlan.filter((r) => r.error !== '').length;
  return { code: failed > 0 ? 1 : 0, markdown };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCommand('ranking', async () => {
    const { code, markdown } = await runRanking(process.argv.slice(2), (l) => process.stderr.write(`${l}\n`));
    process.stdout.write(markdown);
    return code;
  });
}
