import { expect, test } from '@playwright/test';
import { Playground } from './app';

/**
 * The engine's correctness checks (src/core/selfCheck.ts) run in the browser worker on the backend
 * each project pins: the wasm project checks wasm and cpu, the webgpu project WebGPU (SwiftShader
 * here). Every check must pass, including agreement of the first steps with the cpu backend.
 */
test('the backend self-check passes on the pinned backends', async ({ page }, info) => {
  test.setTimeout(400_000);
  const backends = info.project.name === 'webgpu' ? ['webgpu'] : ['wasm', 'cpu'];
  for (const backend of backends) {
    const app = new Playground(page);
    await app.open(`?backend=${backend}`, '#batch=8&width=4');
    await expect(page.getByTestId('backend-active')).toContainText(backend, { timeout: 60_000 });
    await app.button('Check this backend').click();
    const summary = page.getByTestId('self-check-summary');
    await expect(summary).toContainText('checks passed', { timeout: 300_000 });
    const text = (await summary.textContent()) ?? '';
    const [, passed, total] = /(\d+) of (\d+) checks passed on (\w+)/.exec(text) ?? [];
    const failures = await page.locator('.self-check-results li.bad').allTextContents();
    expect(failures, `${backend}: ${failures.join('\n')}`).toEqual([]);
    expect(Number(passed)).toBe(Number(total));
    expect(text).toContain(`on ${backend}`);
    // cpu is the reference: it has no parity rows; the others compare with it.
    const rows = await page.locator('.self-check-results li').allTextContents();
    expect(rows.some((r) => r.includes('agree with the cpu backend'))).toBe(backend !== 'cpu');
    expect(app.errors).toEqual([]);
  }
});
