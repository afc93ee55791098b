import { expect, test, type Locator, type Page } from '@playwright/test';
import { Playground } from './app';
import { MixerBundlesPanel } from './panels';

/**
 * SAMix^P across datasets (issue #6): a Mixer bundle exported from an SL and from an SSL SAMix run on
 * `shapes` (RGB 32 px) drives a samixp run on `mnist` (grayscale 28 px, replicated to RGB and resized
 * by the frozen path); a grayscale bundle picked for RGB `shapes` is refused naming `channels`.
 */
const TINY = 'batch=8&width=4&steps=2000&evalEvery=1000&testSize=64';

const bundles = (page: Page): Locator => new MixerBundlesPanel(page).root;
const entry = (page: Page, name: string): Locator => new MixerBundlesPanel(page).entry(name);

/** Opens the page on wasm with `hash`, trains a few steps, pauses, exports the Mixer bundle as `name`. */
async function exportFromRun(app: Playground, hash: string, name: string, steps = 3): Promise<Locator> {
  const { page } = app;
  await app.open('?backend=wasm', `#${hash}`);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(steps);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  await bundles(page).getByLabel('Bundle name').fill(name);
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    app.button('Export Mixer bundle').click(),
  ]);
  expect(file.suggestedFilename()).toBe(`${name}.mixer.zip`);
  await expect(entry(page, name)).toHaveCount(1);
  return entry(page, name);
}

/** Picks stored bundle `name` for SAMix^P (the Dataset already chosen), Reset, Start. */
async function useBundle(app: Playground, name: string): Promise<void> {
  const { page } = app;
  const use = entry(page, name).getByRole('button', { name: 'Use for SAMix^P' });
  await use.click();
  await expect(page.getByLabel('Method', { exact: true })).toHaveValue('samixp');
  await expect(use).toHaveAttribute('aria-pressed', 'true');
  await app.button('Reset').click();
  await expect(app.state).toHaveText('idle');
  await app.button('Start').click();
}

/** The samixp run trains on mnist with the frozen Mixer: ≥ 3 finite steps, no Mixer loss. */
async function expectSamixpOnMnist(app: Playground): Promise<void> {
  const { page } = app;
  await app.waitForStep(3);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  // The panel's suggested name is built from the dataset the worker loaded for this run.
  await expect(bundles(page).getByLabel('Bundle name')).toHaveAttribute('placeholder', /^mnist-samixp-\d+$/);
  const last = await page.evaluate(() => window.__samix?.lastMetrics());
  expect(last?.step).toBeGreaterThanOrEqual(3);
  const losses = Object.entries(last?.loss ?? {});
  expect(losses.length).toBeGreaterThan(0);
  for (const [name, v] of losses) expect(Number.isFinite(v), name).toBe(true);
  expect(last?.loss.mixQ).toBeGreaterThan(0);
  expect(last?.loss.mixer).toBe(0);
  expect(app.errors).toEqual([]);
}

test('an SL Mixer bundle from shapes (RGB 32 px) drives SAMix^P on mnist (gray 28 px)', async ({ page }) => {
  test.setTimeout(300_000);
  const app = new Playground(page);
  const item = await exportFromRun(app, `method=samix&dataset=shapes&${TINY}`, 'shapes-sl');
  await expect(item).toContainText('samix Mixer, stage 3, width 4, shapes 32×32×3 (SL)');

  await page.getByLabel('Dataset', { exact: true }).selectOption('mnist');
  await useBundle(app, 'shapes-sl');
  await expect(page.getByLabel('Dataset', { exact: true })).toHaveValue('mnist');
  await expectSamixpOnMnist(app);
});

test('an SSL Mixer bundle from shapes drives a supervised SAMix^P run on mnist', async ({ page }) => {
  test.setTimeout(300_000);
  const app = new Playground(page);
  const ssl = `scenario=ssl&method=samix&dataset=shapes&queueSize=64&${TINY}`;
  const item = await exportFromRun(app, ssl, 'shapes-ssl');
  await expect(item).toContainText('samix Mixer, stage 3, width 4, shapes 32×32×3 (SSL)');

  await app.openAdvanced();
  await page.getByLabel('Scenario', { exact: true }).selectOption('sl');
  await expect(page.getByLabel('Method', { exact: true })).toHaveValue('samix');
  await page.getByLabel('Dataset', { exact: true }).selectOption('mnist');
  await useBundle(app, 'shapes-ssl');
  await expect(page.getByLabel('Scenario', { exact: true })).toHaveValue('sl');
  await expectSamixpOnMnist(app);
});

test('a grayscale bundle picked for RGB shapes is refused naming channels; settings are kept', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const app = new Playground(page);
  const item = await exportFromRun(app, `method=samix&dataset=mnist&${TINY}`, 'mnist-gray', 2);
  await expect(item).toContainText('mnist 28×28×1 (SL)');

  // Picked first, then the dataset switched: the choice survives the switch.
  await item.getByRole('button', { name: 'Use for SAMix^P' }).click();
  await page.getByLabel('Dataset', { exact: true }).selectOption('shapes');
  await expect(item.getByRole('button', { name: 'Use for SAMix^P' })).toHaveAttribute('aria-pressed', 'true');
  await app.button('Reset').click();
  await expect(app.state).toHaveText('idle');
  await app.button('Start').click();

  await expect(
    page.getByRole('alert').filter({ hasText: 'starting samixp on shapes: mixer bundle: channels 1' }),
  ).toContainText('cannot read 3-channel images');
  await expect(app.state).toHaveText('error');
  expect(await app.stepCount()).toBe(0);
  expect(await page.evaluate(() => window.__samix?.metricsCount())).toBe(0);
  // Nothing else changed: the settings, the choice and the stored bundle are as they were.
  await expect(page.getByLabel('Dataset', { exact: true })).toHaveValue('shapes');
  await expect(page.getByLabel('Method', { exact: true })).toHaveValue('samixp');
  await expect(item).toContainText('mnist 28×28×1 (SL)');
  await expect(item.getByRole('button', { name: 'Use for SAMix^P' })).toHaveAttribute('aria-pressed', 'true');
  // And the same bundle still trains where it fits: back on mnist, Start works.
  await page.getByLabel('Dataset', { exact: true }).selectOption('mnist');
  await app.button('Start').click();
  await app.waitForStep(1);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  expect(app.errors).toEqual([]);
});
