import { expect, test, type Page } from '@playwright/test';
import { Playground } from './app';

/**
 * The autosave writes a live run in parts (a full save, then one chunk of new points and frames per
 * checkpoint): a run saved in several chunks must reopen after a reload with the same curves and its
 * mask history, and resume from its checkpoint.
 */
const EVERY = 20;
const TINY = `#batch=8&width=4&steps=5000&evalEvery=10&testSize=64&checkpointEvery=${EVERY}`;

/** The summary record useAutoSave wrote under `key`: its steps and how many chunks it has. */
function saved(page: Page, key: string): Promise<{ steps: number; chunks: number }> {
  return page.evaluate(
    (k) =>
      new Promise<{ steps: number; chunks: number }>((resolve) => {
        const none = { steps: 0, chunks: 0 };
        const open = indexedDB.open('samix-runs');
        open.onerror = () => resolve(none);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('records')) return resolve(none);
          const get = db.transaction('records').objectStore('records').get(k);
          get.onsuccess = () =>
            resolve({ steps: get.result?.meta?.steps ?? 0, chunks: get.result?.meta?.chunks ?? 0 });
          get.onerror = () => resolve(none);
        };
      }),
    key,
  );
}

/** Frames held, autosaves measured and chunks stored: unchanged over 1.5 s. */
async function settled(page: Page, key: string): Promise<void> {
  const look = async () => {
    const [frames, saves] = await page.evaluate(() => [
      window.__samix!.frameCount(),
      performance.getEntriesByName('samix:autosave').length,
    ]);
    return `${frames}/${saves}/${(await saved(page, key)).chunks}`;
  };
  let prev = '';
  await expect
    .poll(
      async () => {
        const now = await look();
        const same = now === prev;
        prev = now;
        return same;
      },
      { timeout: 30_000, intervals: [1_500] },
    )
    .toBe(true);
}

test('a run saved in several chunks resumes after a reload with its curves and mask history', async ({
  page,
}) => {
  const app = new Playground(page);
  await app.open('?backend=wasm', TINY);
  await expect(app.backend).toContainText('Backend: wasm', { timeout: 60_000 });
  await app.button('Start').click();

  // Several checkpoints: one full save and at least three chunks after it. Paused, so the page
  // holds exactly what the last save wrote (a tab killed mid-run is resume.spec.ts).
  await expect
    .poll(() => page.evaluate(() => window.__samix?.checkpoint()?.step ?? 0), { timeout: 150_000 })
    .toBeGreaterThanOrEqual(5 * EVERY);
  await app.button('Pause').click();
  await expect(app.state).toHaveText('paused');
  const held = await app.stepCount();
  const key = (await page.evaluate(() => window.__samix!.checkpoint()))!.key;
  await expect.poll(async () => (await saved(page, key)).steps, { timeout: 30_000 }).toBe(held);
  // The worker posts the paused step's probe masks after its checkpoint, and that frame is saved by
  // a later autosave: wait until the frames held and the saves made stop changing.
  await settled(page, key);
  expect((await saved(page, key)).chunks).toBeGreaterThanOrEqual(4);
  const before = await page.evaluate(() => window.__samix!.metricsUpTo(Infinity));
  const framesBefore = await page.evaluate(() => window.__samix!.frameSteps());

  await page.reload();
  const offer = page.getByTestId('resume-offer');
  const button = offer.getByRole('button', { name: /^Resume run at step \d+$/ });
  await expect(button).toBeVisible({ timeout: 30_000 });
  const n = Number((await button.textContent())!.replace(/\D+/g, ''));
  expect(n).toBe(held); // the pause's checkpoint
  await button.click();
  await expect.poll(() => page.evaluate(() => window.__samix?.restoredStep()), { timeout: 60_000 }).toBe(n);

  // Every point is back, exactly, and the mask history with it. The restored run trains on at once,
  // so a probe of a later step may already have arrived: compare the frames up to the restored step.
  const frames = await page.evaluate(() => window.__samix!.frameSteps());
  expect(frames.filter((s) => s <= n)).toEqual(framesBefore);
  expect(framesBefore.length).toBeGreaterThan(0);
  expect(await page.evaluate((s) => window.__samix!.metricsUpTo(s), n)).toEqual(before);

  // It trains on, and the next save (in full: the run was restored) keeps the run reopenable.
  await app.waitForStep(n + 5);
  const steps = await page.evaluate(() => window.__samix!.metricSteps());
  expect(steps.filter((s) => s > n)[0]).toBe(n + 1);
  expect(app.errors.filter((e) => !e.includes('favicon'))).toEqual([]);
});
