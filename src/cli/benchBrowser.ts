/**
 * Browser half of `npm run bench`: builds the app, serves it with `vite preview`, opens
 * `/?bench=…` in headless Debian Chromium (WebGPU enabled) and returns the rows the page measured —
 * every backend side by side in one browser session.
 */
import { chromium, type Page } from '@playwright/test';
import { build, preview } from 'vite';
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

/** Builds the app (unless asked not to), serves it and hands a headless Chromium page to `fn`. */
export async function withPreviewPage<T>(
  skipBuild: boolean,
  fn: (page: Page, origin: string) => Promise<T>,
): Promise<T> {
  // BENCH_DIST / BENCH_PORT let several benches run side by side on one machine.
  const outDir = process.env.BENCH_DIST ?? 'dist';
  const port = Number(process.env.BENCH_PORT ?? 4175);
  if (!skipBuild) await build({ logLevel: 'warn', build: { outDir } });
  const server = await preview({ build: { outDir }, preview: { port, strictPort: true }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('console', (m) => {
      if (m.type() === 'error') process.stderr.write(`[page] ${m.text()}\n`);
    });
    return await fn(page, `http://localhost:${port}`);
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}

export async function runBrowserBench(o: BrowserBenchOptions): Promise<BenchRow[]> {
  return withPreviewPage(!!o.skipBuild, async (page, origin) => {
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
