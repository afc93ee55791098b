import { expect, test } from '@playwright/test';
import { Playground } from './app';

/**
 * The test hooks (src/client/testHooks.ts): a visit that is not automated gets no `window.__samix`;
 * `?debug` installs it and stays in the address when the page rewrites it. The page is made to look
 * non-automated by hiding `navigator.webdriver` before any script runs.
 */
test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => Object.defineProperty(navigator, 'webdriver', { get: () => false }));
});

test('an ordinary visit has no window.__samix; ?debug installs it and keeps it in the address', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '#batch=8&width=4');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(2);
  expect(await page.evaluate(() => typeof window.__samix)).toBe('undefined');

  await app.open('?backend=wasm&debug', '#batch=8&width=4');
  await expect.poll(() => page.evaluate(() => typeof window.__samix), { timeout: 30_000 }).toBe('object');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  expect(await page.evaluate(() => window.__samix!.backend())).toBe('wasm');
  expect(new URL(page.url()).searchParams.has('debug')).toBe(true);
  expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
});
