/**
 * One sample of a soak run, read from the page (window.__samix and Chromium's
 * `performance.memory`, precise with --enable-precise-memory-info; a `gc()` first when the page was
 * launched with --js-flags=--expose-gc, so the heap figure is what is retained, not garbage).
 * Shared by the soak bench (benchSoak.ts) and its 2-minute CI version (e2e/soak.spec.ts).
 */
import type { Page } from '@playwright/test';

export interface SoakSample {
  /** Seconds since training started. */
  t: number;
  step: number;
  status: string;
  backend: string;
  tensors: number;
  tfBytes: number;
  /** GPU bytes held by webgl/webgpu (NaN on wasm/cpu). */
  gpuBytes: number;
  /** Page JS heap after a GC, bytes (NaN when the browser does not report it). */
  heapBytes: number;
  metricsPoints: number;
  frames: number;
}

/** Chromium flags a soak page needs. */
export const SOAK_BROWSER_ARGS = ['--enable-precise-memory-info', '--js-flags=--expose-gc'];

export async function readSoakSample(page: Page, t0: number): Promise<SoakSample> {
  const s = await page.evaluate(() => {
    const w = window as unknown as { gc?: () => void; performance: { memory?: { usedJSHeapSize: number } } };
    w.gc?.();
    const api = window.__samix;
    const mem = api?.memory() ?? null;
    return {
      step: api?.lastMetrics()?.step ?? 0,
      status: api?.status() ?? '',
      backend: api?.backend() ?? '',
      tensors: mem?.numTensors ?? NaN,
      tfBytes: mem?.numBytes ?? NaN,
      gpuBytes: mem?.gpuBytes ?? NaN,
      heapBytes: w.performance.memory?.usedJSHeapSize ?? NaN,
      metricsPoints: api?.metricsCount() ?? 0,
      frames: api?.frameCount() ?? 0,
    };
  });
  return { t: (Date.now() - t0) / 1000, ...s };
}

/** last/first of a field over the samples taken at or after `warmupSeconds`. */
export function ratioAfterWarmup(
  samples: SoakSample[],
  field: keyof SoakSample,
  warmupSeconds: number,
): number {
  const after = samples.filter((s) => s.t >= warmupSeconds);
  if (after.length < 2) return NaN;
  return Number(after[after.length - 1][field]) / Number(after[0][field]);
}
