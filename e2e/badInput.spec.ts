import { expect, test } from '@playwright/test';
import { strFromU8, strToU8, zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onePairBundleFiles } from '../src/testing/bundleFixtures';
import { Playground } from './app';

/** Tiny shapes so software backends finish in seconds. */
const TINY = '#batch=8&width=4&steps=400&evalEvery=1000&testSize=32';

test('an unknown ?backend= value shows a note and falls back to automatic selection', async ({ page }) => {
  const app = new Playground(page);
  await app.open('?backend=quantum', '#batch=500000&method=nope');
  const notes = page.getByTestId('url-notes');
  await expect(notes).toContainText('Unknown backend "quantum"');
  await expect(notes).toContainText('batch must be an integer in [2, 1024]; got "500000"; clamped to 1024');
  await expect(notes).toContainText('method must be one of');
  // Automatic selection still gives a working backend.
  await expect(app.backend).toContainText(/Backend: (webgpu|webgl|wasm|cpu)/, { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled();
  expect(app.errors).toEqual([]);
});

/** The page on wasm with a tiny SAMix run started and two steps taken. */
async function trainTiny(app: Playground): Promise<void> {
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(2);
}

/** A one-pair run bundle whose history has a probe of `side`×`side` pixels (0 and −4 are refused). */
function bundleWithProbe(side: number): Buffer {
  const files = onePairBundleFiles();
  const h = JSON.parse(strFromU8(files['history.json'])) as {
    probes: Array<{ width: number; height: number }>;
  };
  Object.assign(h.probes[0], { width: side, height: side });
  files['history.json'] = strToU8(JSON.stringify(h));
  return Buffer.from(zipSync(files));
}

test('a run bundle with a 0×0 or −4×−4 probe is refused naming the field; the page and the run go on', async ({
  page,
}) => {
  const app = new Playground(page);
  await trainTiny(app);
  for (const side of [0, -4]) {
    await page
      .getByLabel('Import run bundle')
      .setInputFiles({ name: `bad${side}.zip`, mimeType: 'application/zip', buffer: bundleWithProbe(side) });
    await expect(page.getByRole('alert').filter({ hasText: `probes[0].width` })).toContainText(
      `expected a whole number from 1 to 256; got ${side}`,
    );
  }
  // Nothing was saved, nothing is being viewed, and training goes on.
  await expect(page.getByRole('note').filter({ hasText: 'Viewing a saved run' })).toHaveCount(0);
  const before = await app.stepCount();
  await expect.poll(() => app.stepCount(), { timeout: 60_000 }).toBeGreaterThan(before);
  await expect(app.masks.root).toBeVisible();
});

test('a render error in one panel is named in its place; the page and the run go on; Try again redraws it', async ({
  page,
}) => {
  const app = new Playground(page);
  await trainTiny(app);
  await page.evaluate(() => ((globalThis as { __samixPanelFault?: string }).__samixPanelFault = 'Masks'));
  const failed = app.panel('Masks (failed)').root;
  await expect(failed).toContainText('The Masks panel could not be drawn: injected render fault in Masks');
  const before = await app.stepCount();
  await expect.poll(() => app.stepCount(), { timeout: 60_000 }).toBeGreaterThan(before);
  await expect(app.loss.root).toBeVisible();
  await page.evaluate(() => delete (globalThis as { __samixPanelFault?: string }).__samixPanelFault);
  await failed.getByRole('button', { name: 'Try again' }).click();
  await expect(app.masks.root).toBeVisible();
  await expect(failed).toHaveCount(0);
});

test('batch 1024 × width 128 is refused at Start with what would fit; the worker then trains a valid run', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '#batch=1024&width=128&steps=3&evalEvery=1000&testSize=32');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await expect(
    page.getByRole('alert').filter({ hasText: 'batch 1024 × width 128 needs about' }),
  ).toContainText(/on wasm .*: use batch ≤ \d+ at width 128/);
  // The same page and worker, a size that fits: Start trains.
  await app.openAdvanced();
  await page.getByLabel('Batch', { exact: true }).fill('8');
  await page.getByLabel('Width W', { exact: true }).fill('4');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(2);
});

test('a worker crash before any run leaves a usable page: Start trains', async ({ page }) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await page.evaluate(() => window.__samix!.injectFault('crash'));
  await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled({ timeout: 30_000 });
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 30_000 });
  await app.button('Start').click();
  await app.waitForStep(2);
});

test('the page is served with a CSP, nosniff and no referrer, the same as public/_headers, and runs under them', async ({
  page,
}) => {
  const app = new Playground(page);
  const res = await page.goto(`/?backend=wasm${TINY}`);
  const headers = res!.headers();
  const shipped = Object.fromEntries(
    readFileSync(join(import.meta.dirname, '../public/_headers'), 'utf8')
      .split('\n')
      .filter((l) => /^\s+[\w-]+: /.test(l))
      .map((l) =>
        l
          .trim()
          .split(/: (.*)/s)
          .slice(0, 2),
      ),
  ) as Record<string, string>;
  for (const name of ['Content-Security-Policy', 'X-Content-Type-Options', 'Referrer-Policy'])
    expect(headers[name.toLowerCase()], name).toBe(shipped[name]);
  expect(headers['content-security-policy']).toContain("object-src 'none'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  // Training, charts and masks work under the policy (a violation would be a console error).
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(3);
  expect(app.errors).toEqual([]);
});
