/**
 * Browser half of `npm run bench`: builds the app, serves it with `vite preview`, opens
 * `/?bench=…` in headless Debian Chromium (WebGPU enabled) and returns the rows the page measured —
 * every backend side by side in one browser session.
 */
import { withPreviewPage } from './benchPage';
import type { BackendName, MethodName } from '../core/config';
import type { BenchRow, DataBenchResult } from '../worker/protocol';

export interface BrowserBenchOptions {
  backends: BackendName[];
  methods: MethodName[];
  /** Configuration hash, e.g. `#batch=64&width=16`. */
  hash: string;
  warmup: number;
  steps: number;
  timeoutMs: number;
  skipBuild?: boolean;
  /** Also measure dataset loads and batch assembly per backend (worker/benchData.ts). */
  data?: boolean;
  /** Receives the data measurements (null when not asked for). */
  onData?: (result: DataBenchResult | null) => void;
}

export async function runBrowserBench(o: BrowserBenchOptions): Promise<BenchRow[]> {
  // BENCH_DIST / BENCH_PORT let several benches run side by side on one machine.
  const where = { outDir: process.env.BENCH_DIST, port: Number(process.env.BENCH_PORT ?? 4175) };
  return withPreviewPage({ skipBuild: !!o.skipBuild, ...where }, async (page, origin) => {
    const query = new URLSearchParams({
      bench: o.backends.join(','),
      bench_methods: o.methods.join(','),
      bench_warmup: String(o.warmup),
      bench_steps: String(o.steps),
      ...(o.data ? { bench_data: '1' } : {}),
    });
    await page.goto(`${origin}/?${query.toString()}${o.hash}`);
    await page.waitForFunction(() => window.__benchResult !== undefined, undefined, {
      timeout: o.timeoutMs,
      polling: 1000,
    });
    o.onData?.(((await page.evaluate(() => window.__benchData)) ?? null) as DataBenchResult | null);
    return (await page.evaluate(() => window.__benchResult)) as BenchRow[];
  });
}
