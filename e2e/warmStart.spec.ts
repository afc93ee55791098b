import { expect, test } from '@playwright/test';
import { Playground } from './app';

/**
 * The shipped pre-trained runs (public/runs/, `npm run warm-start`): one opens with its whole history
 * on screen, continues from its checkpoint, and Start trains the same setup from scratch.
 */
test('a shipped SAMix run opens mature, trains on from its checkpoint, and can start over', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  const index = (await (await page.request.get('/runs/index.json')).json()) as {
    runs: Array<{ method: string; steps: number; budget: number; testAccQ: number }>;
  };
  const shipped = index.runs.find((r) => r.method === 'samix')!;
  expect(shipped.steps).toBeLessThan(shipped.budget);

  await page.getByTestId('warm-samix').click();
  // Paused at the checkpoint, with the run's curves, evaluations and mask history already there.
  await expect.poll(() => page.evaluate(() => window.__samix!.status()), { timeout: 60_000 }).toBe('paused');
  expect(await app.stepCount()).toBe(shipped.steps);
  const evals = await page.evaluate(() => window.__samix!.evals());
  expect(evals[evals.length - 1].step).toBe(shipped.steps);
  expect(evals[evals.length - 1].testAccQ).toBeCloseTo(shipped.testAccQ, 6);
  expect(evals.some((e) => (e.objectKept ?? 0) > 1)).toBe(true);
  expect(await page.evaluate(() => window.__samix!.frameCount())).toBeGreaterThan(10);
  expect(await page.evaluate(() => window.__samix!.metricsCount())).toBe(shipped.steps);
  expect(await page.evaluate(() => window.__samix!.configSummary())).toBe(
    'samix on shapes, batch 32, width 8',
  );

  // Resume: the worker continues from the checkpoint (steps after it, curves continue).
  await app.button('Resume').click();
  await app.waitForStep(shipped.steps + 3);
  await app.button('Pause').click();
  const steps = await page.evaluate(() => window.__samix!.metricSteps());
  expect(steps.slice(shipped.steps - 2, shipped.steps + 2)).toEqual([
    shipped.steps - 1,
    shipped.steps,
    shipped.steps + 1,
    shipped.steps + 2,
  ]);

  // Reset, then Start: the same configuration from scratch.
  await app.button('Reset').click();
  await app.button('Start').click();
  await expect
    .poll(() => page.evaluate(() => window.__samix!.metricsCount()), { timeout: 60_000 })
    .toBeLessThan(shipped.steps);
  expect(await page.evaluate(() => window.__samix!.configSummary())).toBe(
    'samix on shapes, batch 32, width 8',
  );
  expect(app.errors).toEqual([]);
});
