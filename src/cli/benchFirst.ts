/**
 * Time to insight (`npm run bench -- --part first`, docs/ranking.md): the default page on the wasm
 * backend, Start pressed, and the test accuracy of every evaluation the page receives over the first
 * `seconds`, against the wall time since the click — what a visitor sees in the first half minute.
 * FIRST_BENCH_HASH changes the configuration (e.g. `#width=4`); FIRST_BENCH_DIST / FIRST_BENCH_PORT
 * build to and serve from another folder and port.
 */
import { withPreviewPage } from './benchPage';

export interface FirstEval {
  /** Seconds since Start was clicked. */
  at: number;
  step: number;
  testAccQ: number;
  testAccK: number;
}

export interface FirstBenchResult {
  backend: string;
  /** The configuration shown by the page (method, dataset, batch, width). */
  config: string;
  evals: FirstEval[];
  /** Steps per second over the run. */
  stepsPerSecond: number;
}

export async function runFirstBench(o: { seconds: number; skipBuild?: boolean }): Promise<FirstBenchResult> {
  const hash = process.env.FIRST_BENCH_HASH ?? '';
  const port = Number(process.env.FIRST_BENCH_PORT ?? 0) || 4176;
  return withPreviewPage(
    { skipBuild: o.skipBuild ?? false, outDir: process.env.FIRST_BENCH_DIST, port },
    async (page, origin) => {
      await page.goto(`${origin}/?backend=wasm${hash}`);
      await page
        .getByTestId('status-backend')
        .filter({ hasText: /Backend: wasm/ })
        .waitFor({ timeout: 60_000 });
      await page.getByRole('button', { name: 'Start', exact: true }).click();
      const t0 = Date.now();
      const seen = new Map<number, FirstEval>();
      let lastStep = 0;
      while (Date.now() - t0 < o.seconds * 1000) {
        await page.waitForTimeout(250);
        const at = (Date.now() - t0) / 1000;
        const now = await page.evaluate(() => ({
          evals: window.__samix?.evals() ?? [],
          step: window.__samix?.lastMetrics()?.step ?? 0,
        }));
        lastStep = now.step;
        for (const e of now.evals) {
          if (!seen.has(e.step))
            seen.set(e.step, { at, step: e.step, testAccQ: e.testAccQ, testAccK: e.testAccK });
        }
      }
      const config = await page.evaluate(() => window.__samix?.configSummary() ?? '');
      const backend = await page.evaluate(() => window.__samix?.backend() ?? '');
      return {
        backend,
        config,
        evals: [...seen.values()].sort((a, b) => a.step - b.step),
        stepsPerSecond: lastStep / o.seconds,
      };
    },
  );
}
