import { expect, test, type Locator } from '@playwright/test';
import { METHOD_NAMES } from '../src/core/config';
import { Playground } from './app';

/** Tiny shapes so each method trains a few steps in seconds on wasm. */
const TINY = 'batch=8&width=4&steps=2000&evalEvery=1000&testSize=64';
/** Methods whose probe masks vary across the image (boxes, Fourier blobs, saliency, learned patches). */
const SPATIAL = new Set(['cutmix', 'fmix', 'saliencymix', 'resizemix', 'puzzlemix']);

/** Share of opaque pixels and the number of distinct colours of a canvas. */
function paint(canvas: Locator): Promise<{ opaque: number; colours: number }> {
  return canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    const colours = new Set<number>();
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 255) opaque++;
      colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    }
    return { opaque: opaque / (c.width * c.height), colours: colours.size };
  });
}

// SAMix^P fine-tunes with a pre-trained Mixer bundle exported from another run (its own panel and spec).
const METHODS = METHOD_NAMES.filter((m) => m !== 'samixp');

for (const method of METHODS) {
  test(`${method} trains in the browser: finite losses, steps advance, masks and batch samples paint`, async ({
    page,
  }) => {
    const app = new Playground(page);
    await app.open('?backend=wasm', `#method=${method}&${TINY}`);
    await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
    await expect(page.getByLabel('Method', { exact: true })).toHaveValue(method);
    await app.button('Start').click();
    await app.waitForStep(3);
    await app.button('Pause').click();
    await expect(app.state).toHaveText('paused');

    const last = await page.evaluate(() => window.__samix?.lastMetrics());
    expect(last?.step).toBeGreaterThanOrEqual(3);
    for (const [name, v] of Object.entries(last?.loss ?? {})) expect(Number.isFinite(v), name).toBe(true);
    expect(last?.loss.total).toBeGreaterThan(0);

    // The probe masks are painted (and vary over the image for the spatial methods).
    const masks = app.masks.images();
    await expect(masks).toHaveCount(4);
    const m = await paint(masks.first());
    expect(m.opaque).toBe(1);
    if (SPATIAL.has(method)) expect(m.colours).toBeGreaterThan(1);

    // The current batch shows mixed images the classifier trained on, with the step they come from.
    const batch = page.getByRole('group', { name: 'Current batch' });
    await expect(batch.getByRole('img')).toHaveCount(4, { timeout: 30_000 });
    const b = await paint(batch.getByRole('img').first());
    expect(b.opaque).toBe(1);
    expect(b.colours).toBeGreaterThan(1);

    expect(app.errors).toEqual([]);
  });
}
