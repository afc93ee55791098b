import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { Playground } from './app';

const TINY = '#batch=8&width=4&steps=500&evalEvery=5&testSize=32';

test('a run exported as a zip imports again and shows the same curves; paused runs are kept after a reload', async ({
  page,
}, info) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(8);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  // The charts redraw on a timer: wait until they show every step of the paused run.
  const held = await app.stepCount();
  await expect.poll(() => app.loss.points()).toBe(held);
  const points = await app.loss.points();

  const [dl] = await Promise.all([page.waitForEvent('download'), app.button('Run bundle (zip)').click()]);
  const file = info.outputPath('run.zip');
  await dl.saveAs(file);
  expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');

  // The paused run was saved in this browser and is listed after a reload.
  await page.reload();
  const runs = app.savedRuns.root;
  await expect(runs.getByRole('button', { name: 'Open' }).first()).toBeVisible({ timeout: 30_000 });

  await page.getByLabel('Import run bundle').setInputFiles(file);
  await expect(page.getByRole('note')).toContainText('Viewing a saved run: samix on shapes');
  await expect.poll(() => app.loss.points()).toBe(points);
  await expect(app.masks.root).toContainText('probe pairs at step');

  // A corrupt bundle is refused with a message and nothing is added.
  const before = await runs.getByRole('button', { name: 'Open' }).count();
  await page
    .getByLabel('Import run bundle')
    .setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip') });
  await expect(runs.getByRole('alert')).toContainText('broken.zip: not a zip file');
  expect(await runs.getByRole('button', { name: 'Open' }).count()).toBe(before);
  expect(app.errors).toEqual([]);
});
