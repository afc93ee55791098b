import { expect, test } from '@playwright/test';
import { Playground } from './app';

test('a two-method comparison fills the table, overlays the curves and mixes the same pair per method', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '#batch=8&width=4&steps=12&evalEvery=6&testSize=32&compare=erm,mixup');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  const panel = app.compare.root;
  const methods = panel.getByRole('group', { name: 'Methods to compare' });
  await expect(methods.getByLabel('erm', { exact: true })).toBeChecked();
  await expect(methods.getByLabel('mixup', { exact: true })).toBeChecked();
  await expect(methods.getByLabel('samix', { exact: true })).not.toBeChecked();

  await panel.getByRole('button', { name: 'Run comparison' }).click();
  const table = panel.getByRole('table', { name: 'Comparison results' });
  await expect(table.getByRole('row')).toHaveCount(3, { timeout: 120_000 }); // header + 2 methods
  await expect(table).toContainText('erm');
  await expect(table).toContainText('mixup');
  // ERM is the reference of the speed ratio.
  await expect(table.getByRole('row').nth(1)).toContainText('1.00');
  await expect.poll(() => app.chart('Compared test accuracy').points()).toBe(4); // 2 evaluations × 2 runs
  await expect(panel.getByRole('img', { name: /mixed$/ })).toHaveCount(2);
  await expect(panel.getByRole('img', { name: 'mixup mixed' })).toBeVisible();

  // Sorting by a column reorders without losing rows.
  await table.getByRole('button', { name: 'method' }).click();
  await expect(table.getByRole('row')).toHaveCount(3);
  expect(app.errors).toEqual([]);
});
