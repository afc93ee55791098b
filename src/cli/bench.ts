/**
 * `npm run bench`: speed and memory figures measured side by side in one run (never as tests).
 *
 *   node part:    every method in one Node process on wasm, median ms/step at the §9 defaults, as a
 *                 ratio to ERM, with tensors/bytes held and their growth over the timed steps.
 *   browser part: every backend in one headless Chromium session (see benchBrowser.ts).
 *
 * Flags: --part node|browser|all  --methods a,b  --backends a,b  --batch N  --width N  --steps N
 *        --warmup N  --json (one JSON document on stdout instead of tables)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_CONFIG, METHOD_NAMES, BACKEND_NAMES, parseConfig, type MethodName, type BackendName } from '../core/config';
import { Trainer } from '../core/trainer';
import { generateShapes } from '../data/shapes';
import { runBrowserBench } from './benchBrowser';

interface Args {
  part: 'node' | 'browser' | 'all';
  methods: MethodName[];
  backends: BackendName[];
  batch: number;
  width: number;
  steps: number;
  warmup: number;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { part: 'all', methods: [...METHOD_NAMES], backends: [...BACKEND_NAMES], batch: 64, width: 16, steps: 5, warmup: 2, json: false };
  const fail = (m: string): never => {
    console.error(`bench: ${m}`);
    process.exit(2);
  };
  const list = <T extends string>(v: string, allowed: readonly T[], flag: string): T[] =>
    v.split(',').map((x) => ((allowed as readonly string[]).includes(x) ? (x as T) : fail(`--${flag} takes ${allowed.join(', ')}; got "${x}"`)));
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1] ?? '';
    const num = (): number => (Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : fail(`${flag} takes a positive integer; got "${v}"`));
    if (flag === '--json') a.json = true;
    else if (flag === '--part') a.part = v === 'node' || v === 'browser' || v === 'all' ? v : fail(`--part takes node, browser, all; got "${v}"`);
    else if (flag === '--methods') a.methods = list(v, METHOD_NAMES, 'methods');
    else if (flag === '--backends') a.backends = list(v, BACKEND_NAMES, 'backends');
    else if (flag === '--batch') a.batch = num();
    else if (flag === '--width') a.width = num();
    else if (flag === '--steps') a.steps = num();
    else if (flag === '--warmup') a.warmup = num();
    else fail(`unknown flag "${flag}"; allowed: --part --methods --backends --batch --width --steps --warmup --json`);
    if (flag !== '--json') i++;
  }
  return a;
}

interface NodeRow {
  method: MethodName;
  medianMs: number;
  ratioToErm: number;
  tensors: number;
  bytes: number;
  tensorGrowth: number;
}

async function nodeBench(a: Args): Promise<NodeRow[]> {
  await tf.setBackend('wasm');
  await tf.ready();
  const data = generateShapes();
  const rows: NodeRow[] = [];
  for (const method of a.methods) {
    const config = parseConfig({ method, batch: a.batch, width: a.width, steps: 10_000 });
    const trainer = new Trainer(config, data);
    const times: number[] = [];
    for (let i = 0; i < a.warmup + a.steps; i++) {
      const t0 = performance.now();
      await trainer.read([trainer.step('both')]);
      if (i >= a.warmup) times.push(performance.now() - t0);
      if (i === a.warmup - 1) rows.push({ method, medianMs: 0, ratioToErm: NaN, tensors: tf.memory().numTensors, bytes: 0, tensorGrowth: 0 });
    }
    const row = rows[rows.length - 1];
    times.sort((x, y) => x - y);
    row.medianMs = times[Math.floor(times.length / 2)];
    row.tensorGrowth = tf.memory().numTensors - row.tensors;
    row.tensors = tf.memory().numTensors;
    row.bytes = tf.memory().numBytes;
    trainer.dispose();
    if (!a.json) process.stderr.write(`  ${method}: ${row.medianMs.toFixed(0)} ms/step\n`);
  }
  const erm = rows.find((r) => r.method === 'erm')?.medianMs ?? NaN;
  for (const r of rows) r.ratioToErm = r.medianMs / erm;
  return rows;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? (Number.isFinite(c) ? (Math.abs(c) >= 100 ? c.toFixed(0) : c.toFixed(2)) : '–') : c)))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  return cells.map((r, k) => r.map((c, i) => String(c).padEnd(w[i])).join('  ') + (k === 0 ? `\n${w.map((n) => '-'.repeat(n)).join('  ')}` : '')).join('\n');
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const out: Record<string, unknown> = { config: { batch: a.batch, width: a.width, steps: a.steps, warmup: a.warmup, defaults: DEFAULT_CONFIG } };
  if (a.part !== 'browser') {
    if (!a.json) console.log(`\n## Methods side by side (Node, wasm, shapes 32×32, batch ${a.batch}, width ${a.width}, median of ${a.steps} steps after ${a.warmup} warm-up)\n`);
    const rows = await nodeBench(a);
    out.node = rows;
    if (!a.json) {
      console.log(table(['method', 'ms/step', '× ERM', 'tensors', 'MB held', 'tensor growth'], rows.map((r) => [r.method, r.medianMs, r.ratioToErm, r.tensors, r.bytes / 2 ** 20, r.tensorGrowth])));
    }
  }
  if (a.part !== 'node') {
    const methods: MethodName[] = a.methods.includes('samix') ? ['erm', 'samix'] : a.methods.slice(0, 2);
    if (!a.json) console.log(`\n## Backends side by side (one headless Chromium session, ${methods.join(' and ')}, batch ${a.batch}, width ${a.width})\n`);
    const rows = await runBrowserBench({
      backends: a.backends,
      methods,
      hash: `#batch=${a.batch}&width=${a.width}&steps=10000`,
      warmup: a.warmup,
      steps: a.steps,
      timeoutMs: 3_600_000,
    });
    out.browser = rows;
    if (!a.json) {
      console.log(table(['backend', 'method', 'first step ms', 'median ms', 'p10', 'p90', 'tensors', 'adapter / error'], rows.map((r) => [r.backend, r.method, r.firstStepMs, r.medianMs, r.p10Ms, r.p90Ms, `${r.tensorsAfterWarmup}→${r.tensorsAfterRun}`, r.error || r.adapter])));
      const wasmErm = rows.find((r) => r.backend === 'wasm' && r.method === 'erm')?.medianMs;
      if (wasmErm) console.log(`\nratio to wasm ERM: ${rows.map((r) => `${r.backend}/${r.method} ${(r.medianMs / wasmErm).toFixed(2)}×`).join(', ')}`);
    }
  }
  if (a.json) console.log(JSON.stringify(out, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});
