/**
 * Browser half of `npm run bench`: builds the app, serves it with `vite preview`, opens
 * `/?bench=…` in headless Debian Chromium (WebGPU enabled) and returns the rows the page measured —
 * every backend side by side in one browser session.
 */
import { chromium, type Page } from '@playwright/test';
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

/** Builds the app (unless asked not to), serves it and hands a headless Chromium page to `fn`. */
export async function withPreviewPage<T>(
  skipBuild: boolean,
  fn: (page: Page, origin: string) => Promise<T>,
): Promise<T> {
  if (!skipBuild) await build({ logLevel: 'warn' });
  const server = await preview({ preview: { port: 4175, strictPort: true }, logLevel: 'warn' });
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
    return await fn(page, 'http://localhost:4175');
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
    });
    await page.goto(`${origin}/?${query.toString()}${o.hash}`);
    await page.waitForFunction(() => window.__benchResult !== undefined, undefined, {
      timeout: o.timeoutMs,
      polling: 1000,
    });
    return (await page.evaluate(() => window.__benchResult)) as BenchRow[];
  });
}
