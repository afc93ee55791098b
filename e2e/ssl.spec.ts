import { expect, test, type Locator } from '@playwright/test';
import { Playground } from './app';

const SSL = 'scenario=ssl&method=samix&batch=8&width=4&steps=30&evalEvery=10&queueSize=64&testSize=64';
const KNN = 'kNN accuracy (k=200, cosine)';
const PROBE = 'linear-probe accuracy (end of run)';

/** Non-empty cells of the column headed `label` in a chart's data table. */
async function filledCells(table: Locator, label: string): Promise<string[]> {
  const headers = await table.locator('thead th').allTextContents();
  const col = headers.indexOf(label);
  expect(col, `column "${label}" in ${headers.join(' | ')}`).toBeGreaterThan(0);
  const cells = await table.locator(`tbody tr td:nth-child(${col + 1})`).allTextContents();
  return cells.filter((c) => c.trim() !== '');
}

test('SSL SAMix: contrastive loss streams, masks render, kNN points, a linear probe at the end', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const app = new Playground(page);
  await app.open('?backend=wasm', `#${SSL}`);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await expect(page.getByLabel('Scenario', { exact: true })).toHaveValue('ssl');
  const method = page.getByLabel('Method', { exact: true });
  await expect(method).toHaveValue('samix');
  await expect(method.locator('option', { hasText: /^puzzlemix$/ })).toBeDisabled();
  await expect(method.locator('option', { hasText: /^erm$/ })).toBeEnabled();
  await expect(page.getByLabel('Learning rate', { exact: true })).toHaveValue('0.06'); // the SSL default

  await expect(app.loss.legendEntry('contrastive loss (MoCo InfoNCE')).toBeVisible();
  await expect(app.loss.legendEntry('global (Mixer, each instance')).toBeVisible();
  await app.button('Start').click();
  await app.waitForStep(2);
  await expect.poll(() => app.loss.points()).toBeGreaterThan(0);
  const first = await app.loss.points();
  await expect.poll(() => app.loss.points()).toBeGreaterThan(first);

  const masks = app.masks.images();
  await expect(masks).toHaveCount(4);
  const opaque = await masks.first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) n += d[i] === 255 ? 1 : 0;
    return n / (c.width * c.height);
  });
  expect(opaque).toBe(1);

  await expect(app.accuracy.legendEntry(KNN)).toBeVisible();
  await expect(app.state).toHaveText('done', { timeout: 240_000 });
  await app.accuracy.root.getByRole('button', { name: 'Table' }).click();
  const table = page.getByRole('table', { name: 'Accuracy data' });
  const knn = await filledCells(table, KNN);
  expect(knn).toHaveLength(3); // evaluations at steps 10, 20, 30
  for (const v of knn) expect(Number(v)).toBeGreaterThanOrEqual(0);
  const probe = await filledCells(table, PROBE);
  expect(probe).toHaveLength(1);
  expect(Number(probe[0])).toBeLessThanOrEqual(1);
  expect(app.errors).toEqual([]);
});

test('a queue size that is not a multiple of the batch is refused with the nearest valid sizes', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '#scenario=ssl&method=erm&batch=8&queueSize=100');
  await expect(page.getByTestId('url-notes')).toContainText(
    'queueSize 100 must be a multiple of batch 8: use 96 or 104; kept the default 4096.',
  );
  await expect(page.getByLabel('Queue K', { exact: true })).toHaveValue('4096');
  expect(app.errors).toEqual([]);
});
