import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { Playground } from './app';

const TINY = 'batch=8&width=4&steps=2000&evalEvery=1000&testSize=64';

test('SAMix^P in the browser: export a bundle from a SAMix run, re-import it, train samixp with it', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const app = new Playground(page);
  const dir = mkdtempSync(join(tmpdir(), 'samixp-e2e-'));
  const panel = app.mixerBundles.root;

  // samixp without a bundle: a clear message at the method picker.
  await app.open('?backend=wasm', `#method=samixp&${TINY}`);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await expect(page.getByTestId('samixp-no-bundle')).toBeVisible();
  await app.button('Start').click(); // refused at the page, naming the setting
  await expect(
    page
      .getByRole('alert')
      .filter({ hasText: 'Cannot start: method samixp needs a pre-trained Mixer bundle' }),
  ).toBeVisible();
  await expect(app.state).toHaveText('idle');

  // A SAMix run of a few steps, then its Mixer bundle: downloaded and stored under a name.
  await page.getByLabel('Method', { exact: true }).selectOption('samix');
  await expect(page.getByTestId('samixp-no-bundle')).toHaveCount(0);
  await app.button('Start').click();
  await app.waitForStep(3);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  await panel.getByLabel('Bundle name').fill('e2e-bundle');
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    app.button('Export Mixer bundle').click(),
  ]);
  expect(file.suggestedFilename()).toBe('e2e-bundle.mixer.zip');
  const saved = join(dir, 'copy.mixer.zip');
  await file.saveAs(saved);
  const list = app.mixerBundles.stored();
  await expect(list).toContainText('e2e-bundle');
  await expect(list).toContainText('samix Mixer, stage 3, width 4, shapes 32×32×3 (SL)');

  // The downloaded file imports again (as "copy"); a broken file is refused with its name.
  await panel.getByLabel('Import Mixer bundle').setInputFiles(saved);
  await expect(list).toContainText('copy');
  const bad = join(dir, 'bad.zip');
  writeFileSync(bad, 'not a zip');
  await panel.getByLabel('Import Mixer bundle').setInputFiles(bad);
  await expect(panel.getByTestId('mixer-error')).toContainText('bad.mixer.zip is not a Mixer bundle');

  // Pick it for SAMix^P and train a fresh classifier with the frozen Mixer.
  await list
    .getByRole('listitem')
    .filter({ hasText: 'copy' })
    .getByRole('button', { name: 'Use for SAMix^P' })
    .click();
  await expect(page.getByLabel('Method', { exact: true })).toHaveValue('samixp');
  await app.button('Reset').click();
  await app.button('Start').click();
  await app.waitForStep(3);
  await app.button('Pause').click();
  const last = await page.evaluate(() => window.__samix?.lastMetrics());
  expect(last?.step).toBeGreaterThanOrEqual(3);
  for (const [name, v] of Object.entries(last?.loss ?? {})) expect(Number.isFinite(v), name).toBe(true);
  expect(last?.loss.mixQ).toBeGreaterThan(0);
  expect(last?.loss.mixer).toBe(0);
  expect(app.errors).toEqual([]);
});
