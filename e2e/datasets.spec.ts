import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
  const panel = app.datasets.root;

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
  await expect(app.masks.root).toContainText('probe pairs');
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
  await app.datasets.root.getByLabel('CIFAR-10 files').setInputFiles([
    { name: 'data_batch_1.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(3073 * 2 + 5) },
    { name: 'test_batch.bin', mimeType: 'application/octet-stream', buffer: cifarFile(10, 3) },
  ]);
  await expect(page.getByTestId('import-error')).toContainText('data_batch_1.bin');
  await expect(page.getByTestId('import-error')).toContainText('3,073');
  await expect(page.getByRole('table', { name: 'Cached datasets' })).toHaveCount(0); // nothing cached
  const at = await app.stepCount();
  await app.waitForStep(at + 2);
  await expect(app.state).toHaveText('running');
});

test('a URL that fails or is not CORS-enabled names the URL and the problem; nothing is cached and training keeps going', async ({
  page,
}) => {
  const app = new Playground(page);
  // A real cross-origin server that sends CIFAR bytes without CORS headers: the browser blocks it.
  const server = createServer((_, res) => res.end(cifarFile(4, 1)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const noCors = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
  // The worker's fetch goes through the context's routes: a 404 and a connection failure.
  const base = 'https://data.example.test';
  await page
    .context()
    .route(`${base}/**`, (route) =>
      new URL(route.request().url()).pathname.startsWith('/missing')
        ? route.fulfill({ status: 404, body: 'not found' })
        : route.abort('connectionrefused'),
    );
  try {
    await app.open('?backend=wasm', TINY);
    await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
    await app.button('Start').click();
    await app.waitForStep(2);
    const panel = app.datasets.root;
    const error = page.getByTestId('import-error');
    const fetchUrl = async (url: string): Promise<void> => {
      await panel.getByLabel('CIFAR-10 URL').fill(url);
      await panel.getByRole('button', { name: 'Fetch' }).click();
      await expect(error).toContainText(url);
    };

    await fetchUrl(`${base}/missing/cifar-10-binary.tar.gz`);
    await expect(error).toContainText(`${base}/missing/cifar-10-binary.tar.gz: the server answered HTTP 404`);

    await fetchUrl(noCors);
    await expect(error).toContainText(`${noCors}: the download failed before any data arrived`);
    await expect(error).toContainText('does not allow cross-origin requests (CORS)');

    await fetchUrl(`${base}/down/cifar-10-binary.tar.gz`);
    await expect(error).toContainText(`${base}/down/cifar-10-binary.tar.gz: the download failed`);
    await expect(error).toContainText('choose it with the file picker');

    await expect(panel.getByRole('table', { name: 'Cached datasets' })).toHaveCount(0);
    await expect(panel.getByRole('listitem').filter({ hasText: 'CIFAR-10' })).toContainText('unavailable');
    const at = await app.stepCount();
    await app.waitForStep(at + 2);
    await expect(app.state).toHaveText('running');
  } finally {
    server.close();
  }
});

test('a dataset that is not installed is shown as unavailable with the command that adds it', async ({
  page,
}) => {
  const app = new Playground(page);
  // As if `npm run data` had found no Fashion-MNIST: the index says so and its shards are absent.
  await page.route('**/data/index.json', (route) =>
    route.fulfill({
      json: {
        format: 'samix-data-index',
        version: 1,
        datasets: [
          {
            name: 'mnist',
            available: true,
            manifest: 'data/mnist/manifest.json',
            train: 8000,
            test: 2000,
            bytes: 1,
          },
          {
            name: 'fashion-mnist',
            available: false,
            reason: '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz not found',
            install: 'apt-get install dataset-fashion-mnist && npm run data',
          },
        ],
      },
    }),
  );
  await page.context().route('**/data/fashion-mnist/**', (route) => route.fulfill({ status: 404, body: '' }));
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  const panel = app.datasets.root;
  const fashion = panel.getByRole('listitem').filter({ hasText: 'Fashion-MNIST' });
  await expect(fashion).toContainText('unavailable — apt-get install dataset-fashion-mnist && npm run data');
  await expect(fashion.getByRole('button', { name: 'Use' })).toHaveCount(0);
  await expect(
    panel.getByRole('listitem').filter({ hasText: 'MNIST digits' }).getByRole('button'),
  ).toHaveText('Use');
  // Choosing it anyway says what to run.
  await page.getByLabel('Dataset', { exact: true }).selectOption('fashion-mnist');
  await app.button('Start').click();
  await expect(page.getByRole('alert').filter({ hasText: 'fashion-mnist' }).first()).toContainText(
    'run `npm run data` and reload',
  );
});
