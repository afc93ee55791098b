/**
 * One sample of a soak run, read from the page (window.__samix and Chromium's
 * `performance.memory`, precise with --enable-precise-memory-info; a `gc()` first when the page was
 * launched with --js-flags=--expose-gc, so the heap figure is what is retained, not garbage). The heap
 * is the smallest of HEAP_READS readings HEAP_GAP_MS apart: the run's autosave zips the whole run at
 * every checkpoint and holds its buffers until it ends. Measured at batch 8, width 4, step ~3,500:
 * readings every 250 ms sat at 10.5–11.8 MB and jumped to 29–30 MB for about half a second after
 * every 100th step; one such reading failed the 2-minute CI soak.
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

/** Heap readings per sample, and the time between them (the smallest is the retained heap). */
const HEAP_READS = 3;
const HEAP_GAP_MS = 700;

/** The page's JS heap after a GC, bytes (NaN when the browser does not report it). */
function readHeap(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { gc?: () => void; performance: { memory?: { usedJSHeapSize: number } } };
    w.gc?.();
    return w.performance.memory?.usedJSHeapSize ?? NaN;
  });
}

export async function readSoakSample(page: Page, t0: number): Promise<SoakSample> {
  const heaps: number[] = [];
  for (let i = 0; i < HEAP_READS; i++) {
    if (i > 0) await page.waitForTimeout(HEAP_GAP_MS);
    heaps.push(await readHeap(page));
  }
  const s = await page.evaluate(() => {
    const api = window.__samix;
    const mem = api?.memory() ?? null;
    return {
      step: api?.lastMetrics()?.step ?? 0,
      status: api?.status() ?? '',
      backend: api?.backend() ?? '',
      tensors: mem?.numTensors ?? NaN,
      tfBytes: mem?.numBytes ?? NaN,
      gpuBytes: mem?.gpuBytes ?? NaN,
      metricsPoints: api?.metricsCount() ?? 0,
      frames: api?.frameCount() ?? 0,
    };
  });
  return { t: (Date.now() - t0) / 1000, ...s, heapBytes: Math.min(...heaps) };
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
