import { expect, test } from '@playwright/test';
import { Playground } from './app';

/** Tiny shapes so software backends finish in seconds (real users have real GPUs). */
const TINY = '#batch=8&width=4&steps=500&evalEvery=10&testSize=64';

test('trains on the default dataset on the pinned backend, pauses and steps exactly', async ({
  page,
}, info) => {
  const backend = info.project.name;
  const app = new Playground(page);
  await app.open(`?backend=${backend}`, TINY);

  await expect(app.backend).toContainText(`Backend: ${backend}`, { timeout: 60_000 });
  await expect(page.getByTestId('backend-active')).toContainText(backend);

  await app.button('Start').click();
  await app.waitForStep(3, 150_000);
  await expect.poll(() => app.loss.points(), { timeout: 60_000 }).toBeGreaterThan(1);
  await expect(app.loss.curves().first()).toBeVisible();

  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  const held = await app.stepCount();
  await page.waitForTimeout(1500);
  expect(await app.stepCount()).toBe(held);

  await app.button('Step').click();
  await expect.poll(() => app.stepCount(), { timeout: 60_000 }).toBe(held + 1);
  await page.waitForTimeout(500);
  expect(await app.stepCount()).toBe(held + 1);

  await page.screenshot({ path: info.outputPath(`playground-${backend}.png`), fullPage: true });
  expect(app.errors).toEqual([]);
});
