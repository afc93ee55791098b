import { expect, test } from '@playwright/test';
import { Playground } from './app';

test('an unknown ?backend= value shows a note and falls back to automatic selection', async ({ page }) => {
  const app = new Playground(page);
  await app.open('?backend=quantum', '#batch=500000&method=nope');
  const notes = page.getByTestId('url-notes');
  await expect(notes).toContainText('Unknown backend "quantum"');
  await expect(notes).toContainText('batch must be an integer in [2, 1024]; got "500000"; clamped to 1024');
  await expect(notes).toContainText('method must be one of');
  // Automatic selection still gives a working backend.
  await expect(app.backend).toContainText(/Backend: (webgpu|webgl|wasm|cpu)/, { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Start' })).toBeEnabled();
  expect(app.errors).toEqual([]);
});
