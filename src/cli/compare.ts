/**
 * `npm run compare -- --methods erm,mixup,cutmix,samix --seeds 3 --dataset fashion-mnist --epochs 2`
 *
 * Headless method comparison on Node (TF.js wasm or cpu backend): every method × seed is trained
 * one after another with one shared configuration (seeds `--seed`, `--seed`+1, …), then the
 * results table is printed on stdout as Markdown followed by CSV; progress goes to stderr.
 *
 * Flags: `--methods a,b,…` (default erm,mixup,cutmix,samix), `--seeds N` (default 1), every
 * RunConfig field except `method` in kebab case (`--dataset --steps --seed --batch --lr --alpha
 * --eta --width --eval-every --clean-ce …`; boolean fields may be given bare), `--epochs N`
 * (instead of `--steps`), `--data PATH`, `--backend wasm|cpu`, `--report-every N` (steps per
 * readback, default 10), `--out FILE` (full results as JSON), `--csv FILE` (the CSV also to a file),
 * `--config FILE` (JSON of these settings in camelCase; flags win; a `method` key is ignored).
 *
 * Exit codes: 2 with one line naming the flag and the allowed values for bad input; 1 when loading
 * fails or any run failed (the table is still printed); 130 after Ctrl-C (stops after the current
 * step and prints what finished).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { pathToFileURL } from 'node:url';
import { ConfigError, type MethodName, type RunConfig } from '../core/config';
import { Trainer } from '../core/trainer';
import { loadDatasetNode } from '../data/nodeLoad';
import { planComparison, parseMethodList, parseSeedCount } from '../compare/plan';
import { runComparison } from '../compare/runner';
import { summarize, toCsv, toMarkdown } from '../compare/summary';
import type { CompareEntry, CompareRunResult } from '../compare/types';
import {
  BOOLEAN_CONFIG_KEYS,
  CONFIG_KEYS,
  configFromSettings,
  flagTable,
  helpText,
  nameFlag,
  oneOf,
  parseArgv,
  positive,
  readConfigFile,
  runCommand,
  SHARED_HELP,
  UsageError,
} from './args';
import { checkOutputPath, writeFileAtomic } from './outputs';

/** Options that are not RunConfig fields. */
export interface CompareCliOptions {
  methods: MethodName[];
  seeds: number;
  backend: 'wasm' | 'cpu';
  epochs?: number;
  data?: string;
  out?: string;
  csv?: string;
  reportEvery: number;
}

const DEFAULT_METHODS = 'erm,mixup,cutmix,samix';
const CLI_KEYS = ['methods', 'seeds', 'epochs', 'data', 'backend', 'reportEvery', 'out', 'csv', 'config'];
const FIELD_KEYS = CONFIG_KEYS.filter((k) => k !== 'method');
const TABLE = flagTable([...FIELD_KEYS, ...CLI_KEYS]);
const HELP = helpText(
  'usage: npm run compare -- --methods erm,mixup,cutmix,samix [--seeds N] [--steps N | --epochs N] [options]',
  [
    ['--methods a,b,…', 'methods to compare (default erm,mixup,cutmix,samix)'],
    ['--seeds N', 'seeds per method (seed, seed+1, …)'],
    SHARED_HELP.epochs,
    SHARED_HELP.data,
    SHARED_HELP.backend,
    SHARED_HELP.reportEvery,
    SHARED_HELP.out,
    ['--csv FILE', 'the table as CSV'],
    SHARED_HELP.config,
  ],
  TABLE,
);
const HINTS = new Map([['--method', '--method is not a compare flag; use --methods erm,mixup,… instead']]);

/** Converts a plan/parse ConfigError into a one-line UsageError naming the flag. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const { field, message } = e.issues[0];
    const flagged = field === 'methods' || field === 'seeds' ? `--${message}` : nameFlag(field, message);
    throw new UsageError(flagged);
  }
}

/** Parses and validates the command line; returns the shared configuration and the options. */
export function resolveCompareSettings(argv: string[]): { base: RunConfig; cli: CompareCliOptions } {
  const flags = parseArgv(argv, TABLE, { bare: BOOLEAN_CONFIG_KEYS, hints: HINTS, help: HELP });
  const file = flags.config !== undefined ? readConfigFile(flags.config) : {};
  const merged: Record<string, unknown> = Object.assign(Object.create(null), file, flags);
  delete merged.config;
  delete merged.method;
  const cli: CompareCliOptions = { methods: [], seeds: 1, backend: 'wasm', reportEvery: 10 };
  const partial: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const text = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'methods') cli.methods = asUsage(() => parseMethodList(text(value)));
    else if (key === 'seeds') cli.seeds = asUsage(() => parseSeedCount(text(value)));
    else if (key === 'epochs') cli.epochs = positive('--epochs', value, false);
    else if (key === 'reportEvery') cli.reportEvery = positive('--report-every', value, true);
    else if (key === 'backend') cli.backend = oneOf('--backend', value, ['wasm', 'cpu'] as const);
    else if (key === 'data' || key === 'out' || key === 'csv') cli[key] = String(value);
    else partial[key] = value;
  }
  if (cli.methods.length === 0) cli.methods = parseMethodList(DEFAULT_METHODS);
  if (cli.epochs !== undefined && partial.steps !== undefined) {
    throw new UsageError('give either --steps or --epochs, not both');
  }
  const base = configFromSettings(partial);
  asUsage(() => planComparison(base, cli.methods, cli.seeds));
  if (cli.out !== undefined) checkOutputPath('--out', cli.out, 'file');
  if (cli.csv !== undefined) checkOutputPath('--csv', cli.csv, 'file');
  return { base, cli };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const acc = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : '—');

async function main(argv: string[]): Promise<number> {
  const { base, cli } = resolveCompareSettings(argv);
  const ds = await loadDatasetNode(base.dataset, { dataPath: cli.data, seed: base.seed });
  let shared = base;
  if (cli.epochs !== undefined) {
    const trainCount = base.trainSize > 0 ? Math.min(base.trainSize, ds.train.count) : ds.train.count;
    const steps = Math.ceil((cli.epochs * trainCount) / base.batch);
    shared = asUsage(() => configFromSettings({ steps }, base));
  }
  const entries: CompareEntry[] = planComparison(shared, cli.methods, cli.seeds);
  if (!(await tf.setBackend(cli.backend)) || tf.getBackend() !== cli.backend) {
    throw new Error(`backend ${cli.backend} failed to start`);
  }
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
    process.stderr.write('compare: stopping after the current step (Ctrl-C again to abort)\n');
  });
  process.stderr.write(
    `compare: ${cli.methods.join(', ')} × ${cli.seeds} seed(s) on ${ds.name}, ${shared.steps} steps, ` +
      `batch ${shared.batch}, ${cli.backend}\n`,
  );
  const t0 = performance.now();
  let entryStart = t0;
  let lastLine = -Infinity;
  const tag = (i: number): string => `[${i + 1}/${entries.length} ${entries[i].label}]`;
  const results: CompareRunResult[] = await runComparison(
    entries,
    {
      createTrainer: (config) => {
        entryStart = performance.now();
        return new Trainer(config, ds);
      },
      now: () => performance.now(),
      yieldNow: () => new Promise<void>((r) => setImmediate(r)),
      shouldStop: () => stop,
    },
    {
      onProgress: (i, step, total) => {
        const t = performance.now();
        if (t - lastLine < 2000 && step < total) return;
        lastLine = t;
        process.stderr.write(`${tag(i)} step ${step}/${total} ${seconds(t - entryStart)}\n`);
      },
      onEval: (i, e) =>
        process.stderr.write(`${tag(i)} eval @${e.step}: q ${acc(e.testAccQ)} k ${acc(e.testAccK)}\n`),
      onResult: (i, r) =>
        process.stderr.write(
          `${tag(i)} ${r.error ? `FAILED: ${r.error}` : 'done'}: final q ${acc(r.finalTestAccQ)} ` +
            `k ${acc(r.finalTestAccK)}, ${r.msPerStep.toFixed(1)} ms/step, ${seconds(performance.now() - entryStart)}\n`,
        ),
    },
    { reportEvery: cli.reportEvery },
  );
  process.stderr.write(`compare: ${results.length} run(s) in ${seconds(performance.now() - t0)}\n`);
  const rows = summarize(results);
  const meta = {
    dataset: ds.name,
    steps: shared.steps,
    batch: shared.batch,
    cleanCE: shared.cleanCE,
    seeds: cli.seeds,
  };
  const csv = toCsv(rows);
  process.stdout.write(`${toMarkdown(rows, meta)}\n${csv}`);
  if (cli.csv) writeFileAtomic(cli.csv, csv);
  if (cli.out)
    writeFileAtomic(cli.out, `${JSON.stringify({ meta, config: shared, rows, results }, null, 2)}\n`);
  if (stop) return 130;
  return results.length === entries.length && results.every((r) => r.error === '') ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCommand('compare', () => main(process.argv.slice(2)));
}
