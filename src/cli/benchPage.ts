/**
 * The one way the browser benchmarks get a page: build the app (unless asked not to), serve it with
 * `vite preview` on its own folder and port, launch Debian's Chromium headless with WebGPU enabled,
 * hand a page to the benchmark, and close everything afterwards.
 */
import { chromium, type Page } from '@playwright/test';
import { build, preview } from 'vite';

export interface PreviewOptions {
  skipBuild: boolean;
  /** Build folder (default `dist`). */
  outDir?: string;
  /** Preview port (default 4175). */
  port?: number;
  /** Extra Chromium flags (e.g. precise memory info for the soak). */
  chromiumArgs?: string[];
}

/** Serves the built app and runs `fn` on a fresh 1280×720 page; page errors go to stderr. */
export async function withPreviewPage<T>(
  o: PreviewOptions,
  fn: (page: Page, origin: string) => Promise<T>,
): Promise<T> {
  const outDir = o.outDir ?? 'dist';
  const port = o.port ?? 4175;
  if (!o.skipBuild) await build({ logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server = await preview({ build: { outDir }, preview: { port, strictPort: true }, logLevel: 'warn' });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--enable-unsafe-webgpu',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      ...(o.chromiumArgs ?? []),
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
