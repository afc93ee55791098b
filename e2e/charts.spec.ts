import { expect, test } from '@playwright/test';
import { DEFAULT_CONFIG } from '../src/core/config';
import type { EvalResult, StepMetrics } from '../src/core/trainerTypes';
import { buildRunBundle } from '../src/export/runBundle';
import { Playground } from './app';

const TINY = '#batch=8&width=4&steps=500&evalEvery=1000&testSize=32';

/** A 1,400-step SAMix run with an evaluation every 50 steps (28), as a run bundle. */
function longRunBundle(): Buffer {
  const metrics: StepMetrics[] = Array.from({ length: 1400 }, (_, i) => ({
    step: i + 1,
    epoch: (i + 1) / 156,
    lamMb: 0.4,
    lamBb: 0.6,
    maskMean: 0.6,
    loss: {
      total: 4 - i / 1000,
      local: 0.6,
      global: 1.2,
      mixer: 1.2,
      mask: -0.04,
      maskL1: 0,
      maskVar: 0.1,
      mixQ: 2 - i / 1000,
      oneQ: 1.9 - i / 1000,
    },
    acc: { train: Math.min(1, i / 1400) },
    msPerStep: 200,
  }));
  const evals: EvalResult[] = Array.from({ length: 28 }, (_, k) => ({
    step: 50 * (k + 1),
    testAccQ: 0.1 + k / 40,
    testAccK: 0.1 + k / 45,
    objectKept: 1 + k / 100,
  }));
  const config = { ...DEFAULT_CONFIG, steps: 1400, evalEvery: 50, batch: 32, width: 8 };
  return Buffer.from(buildRunBundle({ config, metrics, evals, media: false }));
}

test('a 1,400-step run: step ticks in plain digits, every evaluation drawn, series are recharts lines', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '');
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await page
    .getByLabel('Import run bundle')
    .setInputFiles({ name: 'long.zip', mimeType: 'application/zip', buffer: longRunBundle() });
  await expect(page.getByRole('note')).toContainText('Viewing a saved run: samix on shapes');

  await expect(app.accuracy.lines().first()).toBeVisible({ timeout: 30_000 });
  // Ticks past step 1,000 read as integers with a thousands separator (never 1e+3).
  const ticks = await app.accuracy.stepTicks();
  expect(ticks.some((t) => /^1,\d{3}$/.test(t))).toBe(true);
  expect(ticks.join(' ')).not.toMatch(/e\+/);
  expect(ticks.every((t) => /^\d{1,3}(,\d{3})*$/.test(t))).toBe(true);
  // test online and test momentum: all 28 evaluations each (the dense train line has no dots).
  expect(await app.accuracy.dotsPerLine()).toEqual([28, 28]);
  // Every series of every chart is a recharts line; no hand-drawn paths remain.
  expect(await app.loss.lines().count()).toBeGreaterThanOrEqual(6);
  await expect(
    app.diagnostics.root.getByTestId('object-kept').locator('.recharts-line').first(),
  ).toBeVisible();
  expect(await page.locator('svg path[data-series]').count()).toBe(0);
  expect(app.errors).toEqual([]);
});

test('a one-sided step leaves a gap in the skipped terms, not a drop to zero', async ({ page }) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Step').click();
  await app.waitForStep(1);
  for (const part of ['Step', 'Step Mixer only', 'Step Mixer only', 'Step', 'Step']) {
    const before = await app.stepCount();
    await app.button(part).click();
    await app.waitForStep(before + 1);
  }
  const points = await page.evaluate(() => window.__samix!.metricsUpTo(Infinity));
  const mixQ = points.map((p) => p.loss.mixQ);
  expect(mixQ.slice(2, 4).every(Number.isNaN)).toBe(true);
  expect(mixQ.filter(Number.isFinite)).toHaveLength(4);
  // The classifier's mixed-CE line (raw and smoothed) is drawn in two pieces around the gap.
  await expect.poll(() => app.loss.points()).toBe(6);
  const paths = await app.loss.curves().evaluateAll((ps) => ps.map((p) => p.getAttribute('d') ?? ''));
  const broken = paths.filter((d) => (d.match(/M/g) ?? []).length >= 2);
  expect(broken.length).toBeGreaterThanOrEqual(2); // mixed CE and clean CE (raw lines at least)
  expect(app.errors).toEqual([]);
});

test('a compare preset fills in a selection that stays editable, with the curves it talks about', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', '');
  const panel = app.compare.root;
  await panel.getByRole('link', { name: 'η = 0 vs 0.5 vs 1' }).click();
  const methods = panel.getByRole('group', { name: 'Methods to compare' });
  await expect(methods.getByLabel('samix', { exact: true })).toBeChecked();
  await expect(methods.getByLabel('mixup', { exact: true })).not.toBeChecked();
  await expect(panel.getByLabel('η values')).toHaveValue('0, 0.5, 1');
  // Nothing is locked: tick Mixup, untick SAMix, edit the η values.
  await methods.getByLabel('mixup', { exact: true }).check();
  await expect(methods.getByLabel('mixup', { exact: true })).toBeChecked();
  await methods.getByLabel('samix', { exact: true }).uncheck();
  await expect(methods.getByLabel('samix', { exact: true })).not.toBeChecked();
  await panel.getByLabel('η values').fill('0, 2');
  await expect(panel.getByLabel('η values')).toHaveValue('0, 2');
  await expect(panel.getByRole('button', { name: 'Run comparison' })).toBeEnabled();
  expect(app.errors).toEqual([]);
});
