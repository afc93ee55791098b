import { expect, test } from '@playwright/test';
import { SOAK_BROWSER_ARGS, readSoakSample, type SoakSample } from '../src/cli/soakSample';
import { Playground } from './app';

/**
 * Two-minute version of `npm run bench -- --part soak`: SAMix trains on tiny shapes while the
 * worker's tensors and bytes and the page's JS heap (after a GC) are sampled every 10 s. Memory
 * invariants only (no timing): after a 30 s warm-up the tensor count and TF bytes stay flat and the
 * heap stays under a generous bound.
 */
const TINY = '#batch=8&width=4&steps=1000000&evalEvery=20&testSize=64';
const MINUTES = 2;
const WARMUP_S = 30;
const MB = 1024 ** 2;

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      ...SOAK_BROWSER_ARGS,
    ],
  },
});

test('a two-minute SAMix run holds tensors and bytes flat and the page heap bounded', async ({
  page,
}, info) => {
  test.skip(info.project.name !== 'wasm', 'wasm project');
  test.setTimeout((MINUTES * 60 + 150) * 1000);
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();
  await expect
    .poll(() => page.evaluate(() => window.__samix?.metricsCount() ?? 0), { timeout: 120_000 })
    .toBeGreaterThan(0);

  const t0 = Date.now();
  const samples: SoakSample[] = [];
  while ((Date.now() - t0) / 1000 < MINUTES * 60) {
    samples.push(await readSoakSample(page, t0));
    await page.waitForTimeout(10_000);
  }
  samples.push(await readSoakSample(page, t0));
  await info.attach('soak-samples.json', {
    body: JSON.stringify(samples, null, 1),
    contentType: 'application/json',
  });

  const after = samples.filter((s) => s.t >= WARMUP_S);
  const first = after[0];
  const last = after[after.length - 1];
  expect(after.length).toBeGreaterThanOrEqual(6);
  expect(last.status).toBe('running');
  expect(last.step).toBeGreaterThan(first.step);
  expect(Number.isFinite(first.heapBytes), 'performance.memory with --enable-precise-memory-info').toBe(true);

  const tensors = after.map((s) => s.tensors);
  expect(Math.max(...tensors) - Math.min(...tensors), `tensors ${tensors.join(',')}`).toBeLessThanOrEqual(4);
  expect(last.tensors).toBeLessThanOrEqual(first.tensors);
  expect(last.tfBytes).toBeLessThanOrEqual(first.tfBytes * 1.01);
  const heaps = after.map((s) => (s.heapBytes / MB).toFixed(1));
  expect(last.heapBytes, `heap MB ${heaps.join(',')}`).toBeLessThanOrEqual(first.heapBytes * 1.5 + 8 * MB);
  expect(app.errors).toEqual([]);
});
