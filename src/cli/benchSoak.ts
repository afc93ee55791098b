/**
 * Soak benchmark (`npm run bench -- --part soak --minutes 30`): builds the app into its own folder,
 * serves it, trains SAMix in headless Chromium for `minutes` and samples every `sample` seconds the
 * step, the worker's TF.js tensors and bytes (GPU bytes on webgl/webgpu) and the page's JS heap after
 * a GC. Prints one table row per sample as it goes, then last/first ratios over the samples after
 * the warm-up: flat tensors and GPU bytes and a bounded heap mean a long run does not leak.
 * Flags: --minutes N  --sample S  --warmup S  --backend wasm|cpu|webgl|webgpu  --hash '#batch=16…'
 *        --port P  --out-dir DIR  --skip-build  --json
 */
import { BACKEND_NAMES } from '../core/config';
import { flagTable, helpText, HelpRequest, oneOf, parseArgv, positive, UsageError } from './args';
import { withPreviewPage } from './benchPage';
import { SOAK_BROWSER_ARGS, ratioAfterWarmup, readSoakSample, type SoakSample } from './soakSample';

export interface SoakOptions {
  minutes: number;
  sampleSeconds: number;
  warmupSeconds: number;
  backend: string;
  hash: string;
  port: number;
  outDir: string;
  skipBuild: boolean;
  json: boolean;
}

/** SAMix with a budget no soak reaches, small enough that wasm on two cores takes many steps. */
export const SOAK_HASH = '#steps=1000000&batch=16&width=8&evalEvery=100&testSize=256';

const SOAK_KEYS = [
  'part',
  'minutes',
  'sample',
  'warmup',
  'backend',
  'hash',
  'port',
  'outDir',
  'skipBuild',
  'json',
] as const;
const SOAK_TABLE = flagTable(SOAK_KEYS);
const SOAK_HELP = helpText(
  'npm run bench -- --part soak [options]: tensors, GPU bytes and JS heap of a long SAMix run in the built page',
  [
    ['--minutes N', 'how long to train (default 30)'],
    ['--sample S', 'seconds between samples (default 10)'],
    ['--warmup S', 'seconds before the first sample counts (default 60)'],
    ['--backend B', `${BACKEND_NAMES.join(', ')} (default wasm)`],
    ['--hash H', `the run's settings as a URL hash (default ${SOAK_HASH})`],
    ['--port N', 'preview server port (default 4179)'],
    ['--out-dir DIR', 'build folder (default dist-soak)'],
    ['--skip-build', 'reuse the build in --out-dir'],
    ['--json', 'print the figures as JSON'],
  ],
  SOAK_TABLE,
);

/** The soak's options. @throws UsageError (bad flag or value), HelpRequest (`--help`) */
export function readSoakArgs(argv: string[]): SoakOptions {
  const f = parseArgv(argv, SOAK_TABLE, { bare: new Set(['skipBuild', 'json']), help: SOAK_HELP });
  const flag = (key: string, raw: string | undefined): boolean =>
    raw === undefined ? false : oneOf(`--${key}`, raw, ['true', 'false']) === 'true';
  if (f.hash !== undefined && !f.hash.startsWith('#'))
    throw new UsageError(`--hash must start with "#"; got ${JSON.stringify(f.hash)}`);
  if (f.outDir === '') throw new UsageError('--out-dir needs a folder');
  return {
    minutes: f.minutes === undefined ? 30 : positive('--minutes', f.minutes, false),
    sampleSeconds: f.sample === undefined ? 10 : positive('--sample', f.sample, false),
    warmupSeconds: f.warmup === undefined ? 60 : positive('--warmup', f.warmup, false),
    backend: f.backend === undefined ? 'wasm' : oneOf('--backend', f.backend, BACKEND_NAMES),
    hash: f.hash ?? SOAK_HASH,
    port: f.port === undefined ? 4179 : positive('--port', f.port, true),
    outDir: f.outDir ?? 'dist-soak',
    skipBuild: flag('skip-build', f.skipBuild),
    json: flag('json', f.json),
  };
}

function parseSoakArgs(argv: string[]): SoakOptions {
  try {
    return readSoakArgs(argv);
  } catch (e) {
    if (e instanceof HelpRequest) {
      process.stdout.write(`${e.message}\n`);
      process.exit(0);
    }
    console.error(`bench --part soak: ${(e as Error).message}`);
    process.exit(2);
  }
}

const MB = 1024 ** 2;
const cell = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function row(s: SoakSample, prev: SoakSample | null): string {
  const rate = prev && s.t > prev.t ? (s.step - prev.step) / (s.t - prev.t) : NaN;
  return [
    cell(s.t, 0).padStart(6),
    String(s.step).padStart(7),
    cell(rate).padStart(7),
    String(s.tensors).padStart(8),
    cell(s.tfBytes / MB, 2).padStart(8),
    cell(s.gpuBytes / MB, 2).padStart(8),
    cell(s.heapBytes / MB, 1).padStart(8),
    String(s.metricsPoints).padStart(7),
    String(s.frames).padStart(6),
    `  ${s.backend}/${s.status}`,
  ].join(' ');
}

const HEADER = `${'t s'.padStart(6)} ${'step'.padStart(7)} ${'step/s'.padStart(7)} ${'tensors'.padStart(8)} ${'TF MB'.padStart(8)} ${'GPU MB'.padStart(8)} ${'heap MB'.padStart(8)} ${'points'.padStart(7)} ${'frames'.padStart(6)}  backend/status`;

/** Runs the soak; resolves to every sample. */
export async function runSoak(o: SoakOptions, log: (line: string) => void): Promise<SoakSample[]> {
  const samples: SoakSample[] = [];
  const where = { skipBuild: !!o.skipBuild, outDir: o.outDir, port: o.port, chromiumArgs: SOAK_BROWSER_ARGS };
  await withPreviewPage(where, async (page, origin) => {
    await page.goto(`${origin}/?backend=${o.backend}${o.hash}`);
    await page
      .getByTestId('status-backend')
      .filter({ hasText: /Backend: (webgpu|webgl|wasm|cpu)/ })
      .waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForFunction(() => (window.__samix?.metricsCount() ?? 0) > 0, undefined, {
      timeout: 300_000,
    });
    const t0 = Date.now();
    log(HEADER);
    let prev: SoakSample | null = null;
    for (;;) {
      const s = await readSoakSample(page, t0);
      samples.push(s);
      log(row(s, prev));
      prev = s;
      if (s.t >= o.minutes * 60 || s.status === 'error' || s.status === 'done') break;
      await page.waitForTimeout(
        Math.max(0, o.sampleSeconds * 1000 - ((Date.now() - t0) % (o.sampleSeconds * 1000))),
      );
    }
  });
  return samples;
}

export function soakSummary(samples: SoakSample[], warmupSeconds: number): Record<string, number> {
  const after = samples.filter((s) => s.t >= warmupSeconds);
  const first = after[0];
  const last = after[after.length - 1];
  return {
    samples: samples.length,
    warmupSeconds,
    firstT: first?.t ?? NaN,
    lastT: last?.t ?? NaN,
    steps: last ? last.step - (first?.step ?? 0) : NaN,
    tensorsRatio: ratioAfterWarmup(samples, 'tensors', warmupSeconds),
    tfBytesRatio: ratioAfterWarmup(samples, 'tfBytes', warmupSeconds),
    gpuBytesRatio: ratioAfterWarmup(samples, 'gpuBytes', warmupSeconds),
    heapRatio: ratioAfterWarmup(samples, 'heapBytes', warmupSeconds),
    tensorsMaxMinusMin: after.length
      ? Math.max(...after.map((s) => s.tensors)) - Math.min(...after.map((s) => s.tensors))
      : NaN,
    heapMaxMB: after.length ? Math.max(...after.map((s) => s.heapBytes)) / MB : NaN,
  };
}

/** Entry from bench.ts (`--part soak`). */
export async function soakCli(argv: string[]): Promise<void> {
  const o = parseSoakArgs(argv);
  const log = (line: string): void => {
    if (!o.json) console.log(line);
  };
  log(
    `\n## Soak: SAMix for ${o.minutes} min on ${o.backend} (${o.hash}), a sample every ${o.sampleSeconds} s\n`,
  );
  const samples = await runSoak(o, log);
  const sum = soakSummary(samples, o.warmupSeconds);
  if (o.json) {
    console.log(JSON.stringify({ options: o, samples, summary: sum }, null, 2));
    return;
  }
  console.log(
    `\nafter ${o.warmupSeconds} s warm-up (t=${cell(sum.firstT, 0)} s → ${cell(sum.lastT, 0)} s, ${sum.steps} steps): ` +
      `tensors last/first ${cell(sum.tensorsRatio, 3)} (max−min ${sum.tensorsMaxMinusMin}), ` +
      `TF bytes ${cell(sum.tfBytesRatio, 3)}, GPU bytes ${cell(sum.gpuBytesRatio, 3)}, ` +
      `JS heap ${cell(sum.heapRatio, 3)} (max ${cell(sum.heapMaxMB, 1)} MB)`,
  );
}
