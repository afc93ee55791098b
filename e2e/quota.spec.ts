import { expect, test } from '@playwright/test';
import { Playground } from './app';

const TINY = '#batch=8&width=4&steps=2000&evalEvery=50&testSize=32';

/**
 * A full IndexedDB quota while the run is being saved: the user is told, offered to delete old runs,
 * and the training keeps going. The quota is simulated in the page (the runs store's puts fail with
 * the browser's QuotaExceededError while `__quotaFull` is set).
 */
test('a full storage quota is reported with an offer to delete old runs, and training keeps going', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __quotaFull: boolean };
    w.__quotaFull = false;
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      if (w.__quotaFull && this.transaction.db.name === 'samix-runs')
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  const runs = app.savedRuns.root;

  // A first run is saved normally (it pauses), so there is an old run to delete later.
  await app.button('Start').click();
  await app.waitForStep(3);
  await app.button('Pause').click();
  await expect(runs.getByRole('button', { name: 'Open' })).toHaveCount(1, { timeout: 30_000 });
  await app.button('Reset').click();

  // Second run: the storage is full when it pauses.
  await page.evaluate(() => ((window as unknown as { __quotaFull: boolean }).__quotaFull = true));
  await app.button('Start').click();
  await app.waitForStep(3);
  await app.button('Pause').click();
  const alert = runs.getByRole('alert');
  await expect(alert).toContainText("The browser's storage is full", { timeout: 30_000 });
  const free = runs.getByRole('button', { name: 'Delete old runs and retry' });
  await expect(free).toBeVisible();

  // The run itself is untouched: it resumes and keeps stepping.
  const held = await app.stepCount();
  await app.button('Resume').click();
  await app.waitForStep(held + 3);

  // Space is freed: the old run goes, the live run is saved.
  await page.evaluate(() => ((window as unknown as { __quotaFull: boolean }).__quotaFull = false));
  await free.click();
  await expect(alert).toContainText('to free space', { timeout: 30_000 });
  await expect(runs.getByRole('button', { name: 'Open' })).toHaveCount(1, { timeout: 30_000 });
  await expect(app.state).toHaveText('running');
  expect(app.errors.filter((e) => !e.includes('QuotaExceeded'))).toEqual([]);
});
