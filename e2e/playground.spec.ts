import { expect, test } from '@playwright/test';
import { Playground } from './app';

const TINY = '#batch=8&width=4&steps=2000&evalEvery=10&testSize=64';

test('SAMix on shapes: loss components stream, masks render, live η, timeline scrub, URL round trip', async ({
  page,
  context,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(6);

  // local and global are separate series with real values.
  const last = await page.evaluate(() => window.__samix?.lastMetrics());
  expect(last?.loss.local).toBeGreaterThan(0);
  expect(last?.loss.global).toBeGreaterThan(0);
  await expect(app.loss.legendEntry('local (Mixer)')).toBeVisible();
  // Both series are drawn (a path with at least two points).
  for (const key of ['local', 'global'])
    await expect.poll(() => app.loss.curves(key).last().getAttribute('d')).toMatch(/^M[^L]+L/);

  // Masks render: the canvases are painted (opaque pixels), one per probe pair.
  const masks = app.masks.images();
  await expect(masks).toHaveCount(4);
  const opaque = await masks.first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) n += d[i] === 255 ? 1 : 0;
    return n / (c.width * c.height);
  });
  expect(opaque).toBe(1);

  // A live η change is applied without a reset and marked on the charts.
  const before = await app.stepCount();
  const eta = page.getByLabel('η (global weight)', { exact: true });
  await eta.fill('1');
  await eta.press('Enter');
  await expect(app.loss.root.getByText('eta=1')).toBeVisible({
    timeout: 30_000,
  });
  expect(await app.stepCount()).toBeGreaterThanOrEqual(before);
  await expect(page).toHaveURL(/eta=1/);

  // The timeline scrubs back to an earlier step.
  await app.waitForStep(before + 4);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  const slider = page.getByRole('slider', { name: 'Mask history step' });
  const liveStep = Number((await page.getByTestId('timeline-step').textContent())?.replace('step ', ''));
  await slider.focus();
  for (let i = 0; i < 3; i++) await slider.press('ArrowLeft');
  await expect
    .poll(async () => Number((await page.getByTestId('timeline-step').textContent())?.replace('step ', '')))
    .toBeLessThan(liveStep);
  await expect(app.masks.root).toContainText('(history)');

  // A copied URL reloads the same configuration.
  const url = page.url();
  const again = await context.newPage();
  await again.goto(url);
  await expect(again.getByLabel('η (global weight)', { exact: true })).toHaveValue('1');
  await expect(again.getByLabel('Batch', { exact: true })).toHaveValue('8');
  await expect(again.getByLabel('Method', { exact: true })).toHaveValue('samix');
  await again.close();

  expect(app.errors).toEqual([]);
});

test('landmarks, tooltips with defaults, keyboard (space, →), progress bar and the evaluation hint', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '#batch=8&width=4&steps=2000&evalEvery=500&testSize=64');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await expect(app.status).toBeVisible();
  for (const name of ['Run controls', 'Masks', 'Loss components', 'Accuracy', 'Mixup diagnostics'])
    await expect(app.panel(name).root).toBeVisible();

  // Every setting says what it does and its default.
  const fields = app.runControls.root.locator('label.field');
  expect(await fields.count()).toBeGreaterThan(10);
  for (const title of await fields.evaluateAll((ls) => ls.map((l) => l.getAttribute('title') ?? '')))
    expect(title).toMatch(/Default: /);

  // Space starts, space pauses (the count holds), → trains exactly one batch.
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Space');
  await app.waitForStep(2);
  await page.keyboard.press('Space');
  await expect(app.state).toHaveText('paused');
  const held = await app.stepCount();
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => app.stepCount()).toBe(held + 1);
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute(
    'aria-valuenow',
    String(held + 1),
  );

  // Test accuracy is not evaluated yet: the chart says when it will be.
  await expect(app.accuracy.root).toContainText(
    'Test accuracy appears after the first evaluation at step 500',
  );
  // The current batch shows the images of the last step.
  await expect(page.getByRole('group', { name: 'Current batch' })).toContainText(`at step ${held + 1}`);
  expect(app.errors).toEqual([]);
});
