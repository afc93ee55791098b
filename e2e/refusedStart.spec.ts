import { expect, test, type Page } from '@playwright/test';
import { Playground } from './app';

/**
 * The "loses nothing" rule for Start: pressing Start on a finished run with a configuration the
 * worker refuses (a grayscale Mixer bundle for RGB `shapes`) names the field and keeps the finished
 * run in the worker and on the page: done at its step with its curves, its Mixer and weights still
 * export, and the autosave files it under its own key and configuration.
 */
const TINY = 'batch=8&width=4&steps=3&evalEvery=1000&testSize=64';

/** Autosaves written so far (each is a `samix:autosave` performance measure). */
const saves = (page: Page) =>
  page.evaluate(() => performance.getEntriesByName('samix:autosave', 'measure').length);

/** Exports the current run's Mixer bundle as `name`; resolves once it is listed as stored. */
async function exportBundle(page: Page, app: Playground, name: string) {
  const bundles = app.mixerBundles.root;
  await bundles.getByLabel('Bundle name').fill(name);
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    app.button('Export Mixer bundle').click(),
  ]);
  expect(file.suggestedFilename()).toBe(`${name}.mixer.zip`);
  const item = app.mixerBundles.entry(name);
  await expect(item).toContainText('mnist 28×28×1 (SL)');
  return item;
}

test('a Start the worker refuses keeps the finished run: same step, and its weights still export', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const app = new Playground(page);
  await app.open('?backend=wasm', `#method=samix&dataset=mnist&${TINY}`);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await expect(app.state).toHaveText('done', { timeout: 120_000 });
  expect(await app.stepCount()).toBe(3);
  // The charts redraw on a timer: wait until they show every step of the finished run.
  await expect.poll(() => app.loss.points()).toBe(3);
  const item = await exportBundle(page, app, 'mnist-gray');
  const runs = app.savedRuns.root;
  await expect(runs.locator('tbody').getByRole('row')).toHaveCount(1); // one saved run under the header
  await expect(runs).toContainText('samix · mnist · 3 steps');
  const saved = await saves(page);

  // No Reset: Start goes straight over the finished run.
  await item.getByRole('button', { name: 'Use for SAMix^P' }).click();
  await page.getByLabel('Dataset', { exact: true }).selectOption('shapes');
  await app.button('Start').click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'starting samixp on shapes: mixer bundle: channels 1' }),
  ).toContainText('pre-train the Mixer on 3-channel data');
  await expect(app.state).toHaveText('done');
  expect(await app.stepCount()).toBe(3);
  // ... and on the page: its curves, and its SAMix Mixer still exports (the form says samixp).
  await expect.poll(() => app.loss.points()).toBe(3);
  await expect(app.button('Export Mixer bundle')).toBeEnabled();
  await exportBundle(page, app, 'mnist-gray-again');
  // The autosave that follows files it under its own key and configuration, not the refused one.
  await expect.poll(() => saves(page)).toBeGreaterThan(saved);
  await expect(runs.locator('tbody').getByRole('row')).toHaveCount(1); // one saved run under the header
  await expect(runs).toContainText('samix · mnist · 3 steps');
  await expect(runs).not.toContainText('samixp');

  // The kept run is still in the worker: its classifier weights export (no run → a failure).
  const bundles = app.mixerBundles.root;
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    app.button('Classifier weights (tfjs)').click(),
  ]);
  expect(file.suggestedFilename()).toMatch(/model\.json$/);
  await expect(bundles).toContainText('Downloaded model.json + weights.bin');
  expect(app.errors).toEqual([]);
});
