import { expect, test, type Page } from '@playwright/test';
import { Playground } from './app';

/**
 * Device loss and worker crash recovery : each fault is triggered through the test hook
 * (the real mechanism where the browser has one: device.destroy(), WEBGL_lose_context), and the app
 * must restart the worker on the right backend, restore the last checkpoint and keep training.
 * Tiny shapes (batch 4, width 4) and a checkpoint every 5 steps.
 */
const TINY = '#batch=4&width=4&steps=100000&evalEvery=50&testSize=32&checkpointEvery=5';

type Fault = 'deviceLost' | 'contextLost' | 'oom' | 'crash';

async function inject(page: Page, kind: Fault): Promise<void> {
  await page.evaluate((k) => window.__samix!.injectFault(k), kind);
}

const reason = (page: Page): Promise<string> => page.evaluate(() => window.__samix!.recovery().reason);

/** Waits for the recovery line, checks it, and returns [step lost at, step restored to]. */
async function recovered(page: Page, line: RegExp): Promise<[number, number]> {
  const status = page.getByTestId('status-recovery');
  await expect(status).toContainText(line, { timeout: 170_000 });
  const m = /at step (\d+).*from checkpoint at step (\d+)/.exec((await status.textContent()) ?? '');
  expect(m, 'the line names both steps').not.toBeNull();
  return [Number(m![1]), Number(m![2])];
}

/** Training continues from the checkpoint and the page's curve has no duplicate or reversed steps. */
async function continues(app: Playground, restoredAt: number): Promise<void> {
  await expect(app.state).toHaveText('running', { timeout: 60_000 });
  const now = await app.stepCount();
  await app.waitForStep(Math.max(now, restoredAt) + 3, 120_000);
  const steps = await app.page.evaluate(() => window.__samix!.metricSteps());
  for (let i = 1; i < steps.length; i++) expect(steps[i], `metric ${i}`).toBeGreaterThan(steps[i - 1]);
  expect(steps).toContain(restoredAt + 1);
}

async function startOn(app: Playground, backend: string, atLeast: number, extra = ''): Promise<void> {
  await app.open(`?backend=${backend}`, TINY + extra);
  await expect(app.backend).toContainText(`Backend: ${backend}`, { timeout: 90_000 });
  await app.button('Start').click();
  await app.waitForStep(atLeast, 170_000);
}

test.describe('recovery', () => {
  test('a worker crash restarts the worker on the same backend from the checkpoint', async ({
    page,
  }, info) => {
    test.skip(info.project.name !== 'wasm', 'wasm project');
    const app = new Playground(page);
    await startOn(app, 'wasm', 12);
    await inject(page, 'crash');
    const [lost, restored] = await recovered(
      page,
      /The training worker crashed at step \d+ \(wasm\) — continued on wasm from checkpoint at step \d+/,
    );
    expect(restored).toBeGreaterThanOrEqual(5);
    // The page's step trails the worker's by up to one metrics flush, so a checkpoint the worker
    // wrote just before crashing may be a step past the one the page last saw.
    expect(restored).toBeLessThanOrEqual(lost + 5);
    expect(restored % 5).toBe(0);
    expect(await reason(page)).toMatch(/Injected worker crash/); // the worker's own `error` event
    await expect(app.backend).toContainText('Backend: wasm');
    await continues(app, restored);
  });

  test('an out-of-memory error on wasm moves the run to cpu', async ({ page }, info) => {
    test.skip(info.project.name !== 'wasm', 'wasm project');
    const app = new Playground(page);
    await startOn(app, 'wasm', 7);
    await inject(page, 'oom');
    const [, restored] = await recovered(
      page,
      /wasm ran out of memory at step \d+ — continued on cpu from checkpoint/,
    );
    expect(await reason(page)).toMatch(/out of memory \(injected fault\)/); // no safe real OOM
    await expect(app.backend).toContainText('Backend: cpu');
    await continues(app, restored);
  });

  test('a lost WebGL context (WEBGL_lose_context) continues on wasm', async ({ page }, info) => {
    test.skip(info.project.name !== 'wasm', 'wasm project; WebGL is SwiftShader here');
    const app = new Playground(page);
    await startOn(app, 'webgl', 6);
    await inject(page, 'contextLost');
    const [, restored] = await recovered(
      page,
      /WebGL context lost at step \d+ — continued on wasm from checkpoint/,
    );
    // The real mechanism (WEBGL_lose_context → webglcontextlost / isContextLost), not an injected error.
    expect(await reason(page)).toMatch(/^WebGL context lost \((webglcontextlost|gl\.isContextLost\(\))\)$/);
    await expect(app.backend).toContainText('Backend: wasm');
    await continues(app, restored);
  });

  test('a destroyed WebGPU device continues on the next backend', async ({ page }, info) => {
    test.skip(info.project.name !== 'webgpu', 'webgpu project');
    const app = new Playground(page);
    // ERM: recovery is method-agnostic, and ERM keeps the SwiftShader WebGPU/WebGL steps short.
    await startOn(app, 'webgpu', 6, '&method=erm');
    await inject(page, 'deviceLost');
    const [, restored] = await recovered(
      page,
      /WebGPU device lost at step \d+ — continued on WebGL from checkpoint/,
    );
    // The real mechanism: after device.destroy() either GPUDevice.lost resolves ("destroyed") or
    // the step's pending readback fails first; both are the destroyed device, not an injected error.
    expect(await reason(page)).toMatch(/^WebGPU device lost \((destroyed|a step failed: .*GPU)/);
    await expect(app.backend).toContainText('Backend: webgl');
    await continues(app, restored);
  });
});
