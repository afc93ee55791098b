import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { encodePng } from '../src/export/png';
import { Playground } from './app';

/** CIFAR-10 binary records: label byte + 1024 R + 1024 G + 1024 B. */
function cifarFile(count: number, seed: number): Buffer {
  const b = Buffer.alloc(count * 3073);
  for (let i = 0; i < count; i++) {
    b[i * 3073] = i % 10;
    for (let j = 1; j < 3073; j++) b[i * 3073 + j] = (i * 31 + j * 7 + seed) & 255;
  }
  return b;
}

function imageFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'samix-folder-'));
  for (const [cls, colour] of [
    ['red', [220, 30, 30]],
    ['blue', [30, 30, 220]],
  ] as const) {
    mkdirSync(join(root, 'pets', cls), { recursive: true });
    for (let k = 0; k < 6; k++) {
      const rgba = new Uint8Array(40 * 30 * 4);
      for (let p = 0; p < 40 * 30; p++) rgba.set([colour[0], colour[1] + k * 10, colour[2], 255], p * 4);
      writeFileSync(join(root, 'pets', cls, `${k}.png`), encodePng(rgba, 40, 30));
    }
  }
  return join(root, 'pets');
}

const TINY = '#batch=8&width=4&steps=500&testSize=16&evalEvery=50';

test('CIFAR-10 files and an image folder load through the real file inputs and train', async ({ page }) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  const panel = page.getByRole('region', { name: 'Datasets' });

  await panel.getByLabel('CIFAR-10 files').setInputFiles([
    { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: cifarFile(40, 1) },
    { name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: cifarFile(20, 2) },
  ]);
  await expect(panel.getByTestId('import-result')).toContainText('cifar10: 40 train / 20 test, 32×32×3');
  await expect(panel.getByRole('table', { name: 'Cached datasets' })).toContainText('cifar10');

  await panel.getByLabel('Image folder').setInputFiles(imageFolder());
  await expect(panel.getByTestId('import-result')).toContainText('folder:');
  await expect(panel.getByTestId('import-result')).toContainText('32×32×3');
  await expect(panel.getByTestId('import-result').getByRole('row')).toHaveCount(2);

  // Train on the CIFAR import for a few steps.
  await page.getByLabel('Dataset', { exact: true }).selectOption('cifar10');
  await app.button('Start').click();
  await app.waitForStep(3);
  await expect(page.getByRole('region', { name: 'Masks' })).toContainText('probe pairs');
  expect(app.errors).toEqual([]);
});

test('a bad data file names the file and the problem while the running training keeps going', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await app.waitForStep(2);
  await page
    .getByRole('region', { name: 'Datasets' })
    .getByLabel('CIFAR-10 files')
    .setInputFiles([
      { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3073 * 2 + 5) },
      { name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: cifarFile(10, 3) },
    ]);
  await expect(page.getByTestId('import-error')).toContainText('data_batch_1.bin');
  await expect(page.getByTestId('import-error')).toContainText('3,073');
  const at = await app.stepCount();
  await app.waitForStep(at + 2);
  await expect(app.state).toHaveText('running');
});
