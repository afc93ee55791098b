/**
 * Browser half of `npm run bench`: builds the app, serves it with `vite preview`, opens
 * `/?bench=…` in headless Debian Chromium (WebGPU enabled) and returns the rows the page measured —
 * every backend side by side in one browser session.
 */
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import type { BackendName, MethodName } from '../core/config';
import type { BenchRow } from '../worker/protocol';

export interface BrowserBenchOptions {
  backends: BackendName[];
  methods: MethodName[];
  /** Configuration hash, e.g. `#batch=64&width=16`. */
  hash: string;
  warmup: number;
  steps: number;
  timeoutMs: number;
  skipBuild?: boolean;
}

export async function runBrowserBench(o: BrowserBenchOptions): Promise<BenchRow[]> {
  if (!o.skipBuild) await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 4175, strictPort: true }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') process.stderr.write(`[page] ${m.text()}\n`);
    });
    const query = new URLSearchParams({
      bench: o.backends.join(','),
      bench_methods: o.methods.join(','),
      bench_warmup: String(o.warmup),
      bench_steps: String(o.steps),
    });
    await page.goto(`http://localhost:4175/?${query.toString()}${o.hash}`);
    await page.waitForFunction(() => window.__benchResult !== undefined, undefined, { timeout: o.timeoutMs, polling: 1000 });
    return (await page.evaluate(() => window.__benchResult)) as BenchRow[];
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
  }
}
