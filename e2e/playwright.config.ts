import { defineConfig } from '@playwright/test';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Port and build folder of the preview server (override to run several suites side by side). */
const PORT = Number(process.env.E2E_PORT ?? 4173);
const DIST = process.env.E2E_DIST ?? 'dist';

/**
 * e2e against the production build (`vite preview`) in Debian's Chromium, with WebGPU enabled
 * (SwiftShader on machines without a GPU). One project per backend the suite pins.
 */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts/,
  outputDir: `../test-results${PORT === 4173 ? '' : `-${PORT}`}`,
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 60_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    headless: true,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--enable-unsafe-webgpu',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [
    { name: 'wasm', use: { viewport: { width: 1280, height: 720 } } },
    {
      name: 'webgpu',
      use: { viewport: { width: 1280, height: 720 } },
      testMatch: /(smoke|recovery|selfCheck)\.spec\.ts/,
    },
  ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort --outDir ${DIST}`,
    cwd: '..',
    url: `http://localhost:${PORT}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
