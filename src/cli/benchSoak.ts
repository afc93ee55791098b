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

function parseSoakArgs(argv: string[]): SoakOptions {
  const o: SoakOptions = {
    minutes: 30,
    sampleSeconds: 10,
    warmupSeconds: 60,
    backend: 'wasm',
    hash: SOAK_HASH,
    port: 4179,
    outDir: 'dist-soak',
    skipBuild: false,
    json: false,
  };
  const fail = (m: string): never => {
    console.error(`bench --part soak: ${m}`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1] ?? '';
    const num = (): number =>
      Number.isFinite(Number(v)) && Number(v) > 0
        ? Number(v)
        : fail(`${flag} takes a positive number; got "${v}"`);
    if (flag === '--part') {
      i++;
      continue;
    }
    if (flag === '--skip-build') o.skipBuild = true;
    else if (flag === '--json') o.json = true;
    else if (flag === '--minutes') o.minutes = num();
    else if (flag === '--sample') o.sampleSeconds = num();
    else if (flag === '--warmup') o.warmupSeconds = num();
    else if (flag === '--port') o.port = num();
    else if (flag === '--out-dir') o.outDir = v || fail('--out-dir needs a folder');
    else if (flag === '--hash')
      o.hash = v.startsWith('#') ? v : fail(`--hash must start with "#"; got "${v}"`);
    else if (flag === '--backend')
      o.backend = (BACKEND_NAMES as readonly string[]).includes(v)
        ? v
        : fail(`--backend takes ${BACKEND_NAMES.join(', ')}; got "${v}"`);
    else
      fail(
        `unknown flag "${flag}"; allowed: --minutes --sample --warmup --backend --hash --port --out-dir --skip-build --json`,
      );
    if (!['--skip-build', '--json'].includes(flag)) i++;
  }
  return o;
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
