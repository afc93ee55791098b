/**
 * `npm run train -- --method samix --dataset shapes --steps 200 --seed 1 --out run.jsonl`
 *
 * Headless training on Node (TF.js wasm or cpu backend). Writes one JSON line per logged step —
 * {"step","epoch","lamMb","lamBb","maskMean","loss":{…},"acc":{"train"},"msPerStep"} — and a final
 * {"type":"summary","testAccQ","testAccK","steps","seconds"} to --out (or stdout).
 * `--scenario ssl` trains self-supervised (SslTrainer): eval steps (every --eval-every) add
 * "knnAcc" to their line, and the summary adds "knnAcc" and "probeAcc" (linear probe). Progress goes to
 * stderr. Flags: every RunConfig field in kebab case (--method --dataset --steps --seed --batch --lr
 * --alpha --eta --eta-mode --width --mixer-lr …) plus --out --backend wasm|cpu --epochs --config FILE
 * (JSON with camelCase flag names / RunConfig fields; flags win) --data PATH --log-every N.
 * SAMix^P: --method samixp --mixer PATH (a Mixer bundle folder or .zip); --save-mixer PATH on samix /
 * automix runs writes one (a folder, or a zip when PATH ends in .zip); --save-weights DIR writes the
 * online classifier as model.json + weights.bin (tfjs format).
 * Every configuration value goes through `validateConfig`. Bad flags or values: exit code 2 and one
 * line naming the flag and the allowed values; a failure while loading or training: exit code 1.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { closeSync, openSync, writeSync } from 'node:fs';
import { validateConfig, type RunConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import type { Trainer } from '../core/trainer';
import type { StepMetrics } from '../core/trainerTypes';
import { loadDatasetNode } from '../data/nodeLoad';
import {
  BOOLEAN_CONFIG_KEYS,
  CONFIG_KEYS,
  flagTable,
  helpText,
  kebab,
  parseArgv,
  positive,
  readConfigFile,
  runCommand,
  SHARED_HELP,
  UsageError,
} from './args';
import { checkOutputPath, PendingFile } from './outputs';
import { checkExportFlags, createSlTrainer, writeRunExports } from './runExportsCli';
import { memoryRefusal } from '../core/memoryEstimate';
import { dataGeometry } from '../core/geometry';

/** Options that are not RunConfig fields. */
interface CliOptions {
  out?: string;
  backend: 'wasm' | 'cpu';
  epochs?: number;
  data?: string;
  logEvery: number;
  /** SAMix^P exports (runExportsCli.ts). */
  saveMixer?: string;
  saveWeights?: string;
}

const CLI_KEYS = [
  'out',
  'backend',
  'epochs',
  'data',
  'logEvery',
  'config',
  'mixer',
  'saveMixer',
  'saveWeights',
] as const;
const TABLE = flagTable([...CONFIG_KEYS, ...CLI_KEYS]);
const HELP = helpText(
  'usage: npm run train -- [--method samix] [--dataset shapes] [--steps N | --epochs N] [options]',
  [
    ['--out FILE', 'JSON lines of the logged steps and the summary (default: stdout)'],
    SHARED_HELP.backend,
    SHARED_HELP.epochs,
    SHARED_HELP.data,
    ['--log-every N', 'steps between logged lines (default 1)'],
    SHARED_HELP.config,
    ['--mixer PATH', 'the Mixer bundle a samixp run uses'],
    ['--save-mixer PATH', "write the run's Mixer bundle (a folder, or a .zip)"],
    ['--save-weights DIR', 'write the online classifier (model.json + weights.bin)'],
  ],
  TABLE,
);

/** Splits and validates everything; returns the run configuration and the CLI options. */
export function resolveSettings(argv: string[]): { config: RunConfig; cli: CliOptions } {
  const flags = parseArgv(argv, TABLE, { bare: BOOLEAN_CONFIG_KEYS, help: HELP });
  const file = flags.config !== undefined ? readConfigFile(flags.config) : {};
  const merged: Record<string, unknown> = Object.assign(Object.create(null), file, flags);
  delete merged.config;
  const cli: CliOptions = { backend: 'wasm', logEvery: 1 };
  const partial: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(merged)) {
    if (key === 'out' || key === 'data') cli[key] = String(value);
    else if (key === 'saveMixer' || key === 'saveWeights') cli[key] = String(value);
    else if (key === 'mixer') partial.mixerBundle = value;
    else if (key === 'backend') {
      if (value !== 'wasm' && value !== 'cpu')
        throw new UsageError(`--backend must be one of wasm, cpu; got ${JSON.stringify(value)}`);
      cli.backend = value;
    } else if (key === 'epochs') cli.epochs = positive('--epochs', value, false);
    else if (key === 'logEvery') cli.logEvery = positive('--log-every', value, true);
    else partial[key] = value;
  }
  const { config, issues } = validateConfig(partial);
  if (issues.length > 0) {
    const { field, message } = issues[0];
    const named = CONFIG_KEYS.includes(field as keyof RunConfig)
      ? message.replace(field, `--${kebab(field)}`)
      : message;
    throw new UsageError(named);
  }
  checkExportFlags(config, cli);
  // Every output is checked before any work, so a bad path cannot cost a finished run.
  if (cli.out !== undefined) checkOutputPath('--out', cli.out, 'file');
  if (cli.saveWeights) checkOutputPath('--save-weights', cli.saveWeights, 'dir');
  if (cli.saveMixer)
    checkOutputPath('--save-mixer', cli.saveMixer, cli.saveMixer.endsWith('.zip') ? 'file' : 'dir');
  return { config, cli };
}

/** The JSON line of one logged step. */
function stepLine(m: StepMetrics, extra: Record<string, number> = {}): string {
  return JSON.stringify({
    step: m.step,
    epoch: m.epoch,
    lamMb: m.lamMb,
    lamBb: m.lamBb,
    maskMean: m.maskMean,
    loss: {
      total: m.loss.total,
      local: m.loss.local,
      global: m.loss.global,
      mask: m.loss.mask,
      maskL1: m.loss.maskL1,
      maskVar: m.loss.maskVar,
      mixQ: m.loss.mixQ,
      oneQ: m.loss.oneQ,
      mixer: m.loss.mixer,
    },
    acc: { train: m.acc.train },
    msPerStep: m.msPerStep,
    ...extra,
  });
}

async function main(argv: string[]): Promise<void> {
  const { config, cli } = resolveSettings(argv);
  const ds = await loadDatasetNode(config.dataset, { dataPath: cli.data, seed: config.seed });
  let cfg = config;
  if (cli.epochs !== undefined) {
    const trainCount = cfg.trainSize > 0 ? Math.min(cfg.trainSize, ds.train.count) : ds.train.count;
    const steps = Math.ceil((cli.epochs * trainCount) / cfg.batch);
    const checked = validateConfig({ steps }, cfg);
    if (checked.issues.length > 0)
      throw new UsageError(`--epochs ${cli.epochs} gives ${steps} steps; ${checked.issues[0].message}`);
    cfg = checked.config;
  }
  // Memory pre-flight before anything is allocated or written (exit 2, naming what would fit).
  const tooBig = memoryRefusal(cfg, dataGeometry(ds, cfg), cli.backend);
  if (tooBig) throw new UsageError(tooBig);
  if (!(await tf.setBackend(cli.backend)) || tf.getBackend() !== cli.backend)
    throw new Error(`backend ${cli.backend} failed to start`);
  // --out is written under a temporary name and renamed when the run is complete: a failed run
  // leaves an existing file as it was.
  const file = cli.out ? new PendingFile(cli.out) : null;
  const fd = file ? openSync(file.tmp, 'a') : 1;
  const write = (line: string): void => void writeSync(fd, `${line}\n`);
  const ssl = cfg.scenario === 'ssl';
  const trainer = ssl ? new SslTrainer(cfg, ds) : createSlTrainer(cfg, ds);
  try {
    await trainLoop(trainer, cfg, cli, write, ds.name);
    for (const l of await writeRunExports(trainer, cli)) process.stderr.write(`${l}\n`);
    if (fd !== 1) closeSync(fd);
    file?.commit();
  } catch (e) {
    if (fd !== 1) closeSync(fd);
    file?.abandon();
    throw e;
  } finally {
    trainer.dispose();
  }
}

/** Steps, logs and evaluates a run; writes its lines through `write`. */
async function trainLoop(
  trainer: Trainer | SslTrainer,
  cfg: RunConfig,
  cli: CliOptions,
  write: (line: string) => void,
  dataset: string,
): Promise<void> {
  const ssl = cfg.scenario === 'ssl';
  const t0 = performance.now();
  let pending = [];
  let intervalStart = performance.now();
  process.stderr.write(
    `train: ${cfg.method} on ${dataset} (${trainer.data.trainCount} images), ${cfg.steps} steps, ${cli.backend}\n`,
  );
  for (let s = 1; s <= cfg.steps; s++) {
    pending.push(trainer.step());
    const evalNow = ssl && s % cfg.evalEvery === 0 && s !== cfg.steps; // the last step: see the summary
    if (s % cli.logEvery !== 0 && s !== cfg.steps && !evalNow) continue;
    const metrics = await trainer.read(pending);
    const last = {
      ...metrics[metrics.length - 1],
      msPerStep: (performance.now() - intervalStart) / metrics.length,
    };
    const extra: Record<string, number> = evalNow ? { knnAcc: (await trainer.evaluate()).knnAcc ?? NaN } : {};
    write(stepLine(last, extra));
    process.stderr.write(
      `step ${s}/${cfg.steps} epoch ${last.epoch.toFixed(2)} loss ${last.loss.total.toFixed(4)} acc ${last.acc.train.toFixed(3)} ${last.msPerStep.toFixed(0)} ms/step\n`,
    );
    pending = [];
    intervalStart = performance.now();
  }
  const ev = await trainer.evaluate();
  const probeAcc = trainer instanceof SslTrainer ? await trainer.linearProbe() : undefined;
  const seconds = (performance.now() - t0) / 1000;
  write(
    JSON.stringify({
      type: 'summary',
      testAccQ: ev.testAccQ,
      testAccK: ev.testAccK,
      ...(ssl ? { knnAcc: ev.knnAcc, probeAcc } : {}),
      ...(ev.objectKept !== undefined ? { objectKept: ev.objectKept } : {}),
      steps: cfg.steps,
      seconds,
    }),
  );
  process.stderr.write(
    `test accuracy q ${ev.testAccQ.toFixed(4)} k ${ev.testAccK.toFixed(4)}` +
      (ev.objectKept !== undefined ? `, object kept ${ev.objectKept.toFixed(3)}` : '') +
      ` in ${seconds.toFixed(1)} s\n`,
  );
}

runCommand('train', () => main(process.argv.slice(2)));
