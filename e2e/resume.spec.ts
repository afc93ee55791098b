import { expect, test, type Page } from '@playwright/test';
import { Playground } from './app';

const EVERY = 40;
const TINY = `#batch=8&width=4&steps=5000&evalEvery=10&testSize=64&checkpointEvery=${EVERY}`;

/** Steps of the run saved in IndexedDB under `key` (what useAutoSave wrote), or 0. */
function savedSteps(page: Page, key: string): Promise<number> {
  return page.evaluate(
    (k) =>
      new Promise<number>((resolve) => {
        const open = indexedDB.open('samix-runs');
        open.onerror = () => resolve(0);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('records')) return resolve(0);
          const get = db.transaction('records').objectStore('records').get(k);
          get.onsuccess = () => resolve((get.result?.meta?.steps as number | undefined) ?? 0);
          get.onerror = () => resolve(0);
        };
      }),
    key,
  );
}

test('a run killed by a reload resumes from its checkpoint with the same curves', async ({ page }) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();

  // Let the run pass a checkpoint, and the page file its history under the run's key.
  await expect
    .poll(() => page.evaluate(() => window.__samix?.checkpoint()?.step ?? 0), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(EVERY);
  const ck = (await page.evaluate(() => window.__samix!.checkpoint()))!;
  await expect.poll(() => savedSteps(page, ck.key), { timeout: 30_000 }).toBeGreaterThanOrEqual(ck.step);
  const before = await page.evaluate(() => window.__samix!.metricsUpTo(Infinity));
  expect(await page.evaluate(() => window.__samix!.status())).toBe('running');

  // Kill the page mid-run and come back.
  await page.reload();
  const offer = page.getByTestId('resume-offer');
  await expect(offer).toBeVisible({ timeout: 30_000 });
  const button = offer.getByRole('button', { name: /^Resume run at step \d+$/ });
  const n = Number((await button.textContent())!.replace(/\D+/g, ''));
  expect(n % EVERY).toBe(0);
  expect(n).toBeGreaterThanOrEqual(ck.step);
  await button.click();
  await expect.poll(() => page.evaluate(() => window.__samix?.restoredStep()), { timeout: 60_000 }).toBe(n);
  await expect(offer).toBeHidden();

  // The curves up to the checkpoint are the ones from before the reload, point for point.
  const restored = await page.evaluate((s) => window.__samix!.metricsUpTo(s), n);
  const expected = before.filter((p) => p.step <= n);
  expect(restored.length).toBeGreaterThan(0);
  expect(restored.map((p) => p.step)).toEqual(expected.map((p) => p.step));
  expect(restored).toEqual(expected);

  // Training continues from the checkpoint: the next points are n+1, n+2, … with no gap or repeat.
  await app.waitForStep(n + 5);
  const steps = await page.evaluate(() => window.__samix!.metricSteps());
  const after = steps.filter((s) => s > n);
  expect(after[0]).toBe(n + 1);
  expect(new Set(steps).size).toBe(steps.length);
  expect(after).toEqual(after.slice().sort((a, b) => a - b));
  expect(await page.evaluate(() => window.__samix!.status())).toBe('running');
  expect(app.errors.filter((e) => !e.includes('favicon'))).toEqual([]);
});

test('a run blown up by a live learning rate pauses, names the change, and rolls back to its checkpoint', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '#batch=8&width=4&steps=5000&evalEvery=10&testSize=64&checkpointEvery=10');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await expect
    .poll(() => page.evaluate(() => window.__samix?.checkpoint()?.step ?? 0), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(10);

  await app.openAdvanced();
  const lr = page.getByLabel('Learning rate', { exact: true });
  await lr.fill('10');
  await lr.press('Enter');
  const offer = page.getByTestId('rollback-offer');
  await expect(offer).toBeVisible({ timeout: 120_000 });
  await expect(app.state).toHaveText('paused');
  await expect(page.getByRole('alert').filter({ hasText: 'DivergenceError' })).toContainText(
    /the learning rate was set to 10; training is paused\. Suggested fix: .*then roll back to step \d+/,
  );
  const button = offer.getByRole('button', { name: /^Roll back to step \d+$/ });
  const n = Number((await button.textContent())!.replace(/\D+/g, ''));
  expect(n % 10).toBe(0);
  await button.click();
  await expect.poll(() => page.evaluate(() => window.__samix?.restoredStep())).toBe(n);
  await expect(offer).toBeHidden();
  await expect(app.state).toHaveText('paused');
  expect(await app.stepCount()).toBe(n);
  // The diverged points are gone from the curves; the ones up to the checkpoint are finite.
  const steps = await page.evaluate(() => window.__samix!.metricSteps());
  expect(Math.max(...steps)).toBe(n);
  const kept = await page.evaluate((s) => window.__samix!.metricsUpTo(s), n);
  expect(kept.every((p) => Number.isFinite(p.loss.total))).toBe(true);
});
