/**
 * `npm run warm-start` — makes the pre-trained runs the playground ships in public/runs/ (docs/ranking.md,
 * "Warm start"): for each headline method, one run on `shapes` with the playground's defaults at its
 * CPU size, trained here on Node (wasm), saved as a run bundle (run.json, metrics, evaluations, the
 * mask history of the gallery's four probe pairs, and the final checkpoint as weights/checkpoint.bin)
 * plus an index.json the page lists them from. The page opens one, shows its curves and masks at
 * once, and can continue training it from the checkpoint or start from scratch.
 *
 * A run is shipped three quarters through its budget (`--stop-at`, default 0.75·steps), so that
 * continuing it on the page trains the last quarter, where the learning rate decays and accuracy
 * climbs most.
 *
 * Flags: `--methods samix,automix,mixup,erm` (default), `--steps N` (default: the page's budget),
 * `--stop-at N`,
 * `--frame-every N` (steps between mask-history frames, default 50), `--out DIR` (default
 * public/runs), `--seed N`. Deterministic: the same code and flags give the same files.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeCheckpoint } from '../core/checkpoint';
import { DEFAULT_CONFIG, parseConfig, type MethodName, type RunConfig } from '../core/config';
import { PROBE_LAM } from '../core/probe';
import { defaultProbePairs } from '../core/probePairs';
import { Trainer } from '../core/trainer';
import type { EvalResult, ProbeResult, StepMetrics } from '../core/trainerTypes';
import { generateShapes } from '../data/shapes';
import { buildRunBundle } from '../export/runBundle';
import { pairKeyOf, toFrame, type MaskFrame } from '../export/maskHistory';
import { parseMethodList } from '../compare/plan';
import { WARM_START_CHECKPOINT, type WarmStartEntry } from '../ui/warmStarts';
import { flagTable, helpText, parseArgv, positive, runCommand, UsageError } from './args';
import { checkOutputPath } from './outputs';

/** The methods shipped by default: the method, its predecessor, the classic baseline and no mixing. */
export const WARM_START_METHODS: MethodName[] = ['samix', 'automix', 'mixup', 'erm'];
/** The size the playground uses on CPU backends (useScaledConfig), so a shipped run continues as is. */
export const WARM_START_SIZE: Partial<RunConfig> = { batch: 32, width: 8 };
export interface WarmStartOptions {
  methods: MethodName[];
  /** The runs' step budget (their LR schedule), and the step they are shipped at. */
  steps: number;
  stopAt: number;
  frameEvery: number;
  seed: number;
  out: string;
}

const TABLE = flagTable(['methods', 'steps', 'stopAt', 'frameEvery', 'seed', 'out']);
const HELP = helpText(
  'usage: npm run warm-start -- [--methods samix,automix,mixup,erm] [options]',
  [
    ['--methods a,b,…', 'the runs to make (others already in --out stay listed)'],
    ['--steps N', "the runs' step budget (default: the page's)"],
    ['--stop-at N', 'the step they are shipped at (default 3/4 of --steps)'],
    ['--frame-every N', 'steps between mask-history frames (default 50)'],
    ['--seed N', "the runs' seed"],
    ['--out DIR', 'where the bundles and index.json go (default public/runs)'],
  ],
  TABLE,
);

export function parseWarmStartArgs(argv: string[]): WarmStartOptions {
  const f = parseArgv(argv, TABLE, { help: HELP });
  let methods = WARM_START_METHODS;
  if (f.methods !== undefined) {
    try {
      methods = parseMethodList(f.methods);
    } catch (e) {
      throw new UsageError(`--${(e as Error).message}`);
    }
  }
  if (methods.includes('samixp'))
    throw new UsageError('--methods: samixp needs a Mixer bundle; not shippable');
  const steps = f.steps !== undefined ? positive('--steps', f.steps, true) : DEFAULT_CONFIG.steps;
  const stopAt = f.stopAt !== undefined ? positive('--stop-at', f.stopAt, true) : Math.round(steps * 0.75);
  if (stopAt > steps) throw new UsageError(`--stop-at ${stopAt} is past the budget --steps ${steps}`);
  const o = {
    methods,
    steps,
    stopAt,
    frameEvery: f.frameEvery !== undefined ? positive('--frame-every', f.frameEvery, true) : 50,
    seed: f.seed !== undefined ? positive('--seed', f.seed, true) : DEFAULT_CONFIG.seed,
    out: resolve(f.out ?? 'public/runs'),
  };
  checkOutputPath('--out', o.out, 'dir');
  return o;
}

/** Trains one shipped run; returns its bundle bytes and index entry. */
export async function trainWarmStart(
  method: MethodName,
  o: WarmStartOptions,
  log: (line: string) => void,
): Promise<{ bytes: Uint8Array; entry: Omit<WarmStartEntry, 'file' | 'bytes'> }> {
  const config = parseConfig({ ...DEFAULT_CONFIG, ...WARM_START_SIZE, method, seed: o.seed, steps: o.steps });
  const ds = generateShapes();
  const trainer = new Trainer(config, ds);
  const pairs = defaultProbePairs(ds, 4);
  const metrics: StepMetrics[] = [];
  const evals: EvalResult[] = [];
  const frames: MaskFrame[] = [];
  const images = new Map<string, ProbeResult>();
  const record = (p: ProbeResult): void => {
    frames.push(toFrame(p));
    if (!images.has(pairKeyOf(p))) images.set(pairKeyOf(p), p);
  };
  try {
    record(await trainer.probe(pairs, PROBE_LAM));
    let pending = [];
    for (let s = 1; s <= o.stopAt; s++) {
      pending.push(trainer.step());
      const evalNow = s % config.evalEvery === 0 || s === o.stopAt;
      const frameNow = s % o.frameEvery === 0 || s === o.stopAt;
      if (!evalNow && !frameNow && pending.length < 10) continue;
      metrics.push(...(await trainer.read(pending)));
      pending = [];
      if (evalNow) {
        const e = await trainer.evaluate();
        evals.push(e);
        log(`${method} step ${s}: q ${(e.testAccQ * 100).toFixed(1)} %`);
      }
      if (frameNow) record(await trainer.probe(pairs, PROBE_LAM));
    }
    const checkpoint = encodeCheckpoint(await trainer.snapshot());
    const last = evals[evals.length - 1];
    const bytes = buildRunBundle({
      config,
      metrics,
      evals,
      meta: { origin: 'warm-start', backend: 'wasm (Node)', dataset: ds.name, checkpointStep: o.stopAt },
      history: { frames, images },
      weights: [{ name: WARM_START_CHECKPOINT, data: checkpoint }],
      media: false,
    });
    const finite = (v: number | undefined): number | null =>
      v !== undefined && Number.isFinite(v) ? v : null;
    return {
      bytes,
      entry: {
        method,
        steps: o.stopAt,
        budget: config.steps,
        testAccQ: last.testAccQ,
        testAccK: finite(last.testAccK),
        objectKept: finite(last.objectKept),
      },
    };
  } finally {
    trainer.dispose();
  }
}

async function main(argv: string[]): Promise<void> {
  const o = parseWarmStartArgs(argv);
  if (!(await tf.setBackend('wasm'))) throw new Error('backend wasm failed to start');
  mkdirSync(o.out, { recursive: true });
  const entries: WarmStartEntry[] = [];
  for (const method of o.methods) {
    const { bytes, entry } = await trainWarmStart(method, o, (l) => process.stderr.write(`${l}\n`));
    const file = `${method}.zip`;
    const tmp = join(o.out, `.${file}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(o.out, file));
    entries.push({ ...entry, file, bytes: bytes.length });
    process.stderr.write(`${file}: ${(bytes.length / 1024).toFixed(0)} KiB\n`);
  }
  // Runs of other methods already shipped stay listed (a run can be remade alone with --methods).
  const indexPath = join(o.out, 'index.json');
  const old: WarmStartEntry[] = existsSync(indexPath)
    ? (JSON.parse(readFileSync(indexPath, 'utf8')) as { runs: WarmStartEntry[] }).runs
    : [];
  const runs = [...old.filter((r) => !o.methods.includes(r.method)), ...entries].sort(
    (a, b) => WARM_START_METHODS.indexOf(a.method) - WARM_START_METHODS.indexOf(b.method),
  );
  writeFileSync(indexPath, `${JSON.stringify({ version: 1, runs }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCommand('warm-start', () => main(process.argv.slice(2)));
}
