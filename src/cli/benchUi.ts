/**
 * Responsiveness benchmark (issue: the main thread stays free while training). Drives the built app
 * in headless Chromium: SAMix trains for `seconds` with every panel open, then again with the panels
 * hidden (`*_hide=true`), and reports main-thread long tasks (PerformanceObserver 'longtask'), how
 * often the loss chart's plot redraws (animation frames in which its SVG changed) against how often
 * new metrics arrive, how often masks refresh (probe messages), bytes per second from the worker,
 * and ms/step with the UI open against hidden. The wall-clock figures come from a run without a
 * trace: recording one costs this 2-core machine CPU and stretched the page's tasks (3 alternated
 * pairs: 8, 4, 5 long tasks traced against 2, 5, 4 untraced); a second open run records the trace.
 */
import type { Page } from '@playwright/test';
import type { MessageCostSummary } from '../client/messageCost';
import { withPreviewPage } from './benchPage';
import { traceMainThread, type MainThreadTasks } from './mainThreadTrace';

/**
 * The shared preview page, with the build folder and port from UI_BENCH_DIST / UI_BENCH_PORT so
 * this benchmark can run beside other suites; UI_BENCH_SECONDS shortens the run while iterating and
 * UI_BENCH_HASH (e.g. `#batch=8&width=4`) changes the configuration.
 */
function withUiPage<T>(skipBuild: boolean, fn: (page: Page, origin: string) => Promise<T>): Promise<T> {
  const port = Number(process.env.UI_BENCH_PORT ?? 0);
  return withPreviewPage({ skipBuild, outDir: process.env.UI_BENCH_DIST, port: port || undefined }, fn);
}

export interface UiBenchResult {
  seconds: number;
  backend: string;
  steps: number;
  longTasks: number;
  longTaskMs: number;
  maxLongTaskMs: number;
  /** Long tasks after the first metrics arrived (training), and the longest of them. */
  longTasksTraining: number;
  maxLongTaskTrainingMs: number;
  /** The main thread's tasks in a second, traced run of the same length: wall clock and CPU (mainThreadTrace.ts). */
  mainThread: MainThreadTasks | null;
  /** Main-thread time per worker-message type (handler + synchronous re-render), open panels. */
  messageCosts: MessageCostSummary[];
  /** Redraws of the loss chart's plot per second, and metrics messages (new values) per second. */
  chartRefreshHz: number;
  metricsHz: number;
  maskRefreshHz: number;
  bytesPerSecond: number;
  msPerStepOpen: number;
  msPerStepHidden: number;
}

const OBSERVERS = `
  window.__ui = { longTasks: [], longTaskStarts: [], chartRedraws: 0, trainingFrom: Infinity };
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) { window.__ui.longTasks.push(e.duration); window.__ui.longTaskStarts.push(e.startTime); }
  })
    .observe({ type: 'longtask', buffered: true });
`;

interface UiProbe {
  longTasks: number[];
  longTaskStarts: number[];
  chartRedraws: number;
  /** performance.now() when the first metrics arrived (long tasks after it are "during training"). */
  trainingFrom: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

/** What a training run watches: the loss chart's redraws, and a trace of the main thread. */
interface Watch {
  chart: boolean;
  trace: boolean;
}

async function trainFor(page: Page, url: string, seconds: number, watch: Watch) {
  await page.goto('about:blank'); // a hash-only change would not reload the app
  await page.goto(url);
  await page
    .getByTestId('status-backend')
    .filter({ hasText: /Backend: (webgpu|webgl|wasm|cpu)/ })
    .waitFor({ timeout: 60_000 });
  if (watch.chart) {
    await page.evaluate(() => {
      const w = window as unknown as { __ui: UiProbe };
      const region = document.querySelector('section[aria-label="Loss components"]');
      // One redraw = an animation frame in which the plot's SVG changed. The legend's latest values
      // (HTML, outside the SVG) change with every metrics message and are not a redraw; recharts
      // may finish a redraw in the frame after its commit, which is still one redraw.
      let counted = false;
      new MutationObserver((records) => {
        if (counted || !records.some((r) => r.target instanceof SVGElement)) return;
        counted = true;
        w.__ui.chartRedraws++;
        requestAnimationFrame(() => requestAnimationFrame(() => (counted = false)));
      }).observe(region!, {
        subtree: true,
        attributes: true,
        childList: true,
      });
    });
  }
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await page.waitForFunction(() => (window.__samix?.metricsCount() ?? 0) > 0, undefined, {
    timeout: 120_000,
  });
  await page.evaluate(() => {
    (window as unknown as { __ui: UiProbe }).__ui.trainingFrom = performance.now();
  });
  const stopTrace = watch.trace ? await traceMainThread(page) : null;
  const t0 = Date.now();
  const start = await page.evaluate(() => ({
    bytes: window.__samix!.bytesReceived(),
    probes: window.__samix!.probesReceived(),
    metrics: window.__samix!.metricsCount(),
    redraws: (window as unknown as { __ui: UiProbe }).__ui.chartRedraws,
  }));
  const perStep: number[] = [];
  while (Date.now() - t0 < seconds * 1000) {
    await page.waitForTimeout(1000);
    const m = await page.evaluate(() => window.__samix!.lastMetrics()?.msPerStep ?? NaN);
    if (Number.isFinite(m)) perStep.push(m);
  }
  const end = await page.evaluate(() => ({
    bytes: window.__samix!.bytesReceived(),
    probes: window.__samix!.probesReceived(),
    metrics: window.__samix!.metricsCount(),
    steps: window.__samix!.lastMetrics()?.step ?? 0,
    ui: (window as unknown as { __ui: UiProbe }).__ui,
    backend: document.querySelector('[data-testid="status-backend"] strong')?.textContent ?? '',
    costs: window.__samix!.messageCosts(),
  }));
  const secs = (Date.now() - t0) / 1000;
  const mainThread = stopTrace ? await stopTrace() : null;
  return {
    ...end,
    secs,
    bytes: end.bytes - start.bytes,
    probes: end.probes - start.probes,
    metrics: end.metrics - start.metrics,
    redraws: end.ui.chartRedraws - start.redraws,
    msPerStep: median(perStep),
    mainThread,
  };
}

export async function runUiBench(o: {
  seconds: number;
  hash: string;
  backend: string;
  skipBuild?: boolean;
}): Promise<UiBenchResult> {
  const envSeconds = Number(process.env.UI_BENCH_SECONDS ?? 0);
  if (envSeconds > 0) o = { ...o, seconds: envSeconds };
  if (process.env.UI_BENCH_HASH) o = { ...o, hash: process.env.UI_BENCH_HASH };
  return withUiPage(!!o.skipBuild || process.env.UI_BENCH_SKIP_BUILD === '1', async (page, origin) => {
    await page.addInitScript(OBSERVERS);
    const query = o.backend ? `?backend=${o.backend}` : '';
    const openUrl = `${origin}/${query}${o.hash}`;
    const open = await trainFor(page, openUrl, o.seconds, { chart: true, trace: false });
    const traced = await trainFor(page, openUrl, o.seconds, { chart: false, trace: true });
    const hiddenHash = `${o.hash}${o.hash ? '&' : '#'}masks_hide=true&loss_hide=true&accuracy_hide=true&diagnostics_hide=true`;
    const hidden = await trainFor(page, `${origin}/${query}${hiddenHash}`, Math.max(10, o.seconds / 2), {
      chart: false,
      trace: false,
    });
    const lt = open.ui.longTasks;
    const during = lt.filter((_, i) => open.ui.longTaskStarts[i] >= open.ui.trainingFrom);
    process.stderr.write(
      `ui bench: ${during.length} long tasks during training (max ${during.length ? Math.max(...during).toFixed(0) : 0} ms); ${lt.length} in all\n`,
    );
    return {
      seconds: open.secs,
      backend: open.backend,
      steps: open.steps,
      longTasks: lt.length,
      longTaskMs: lt.reduce((a, b) => a + b, 0),
      maxLongTaskMs: lt.length ? Math.max(...lt) : 0,
      longTasksTraining: during.length,
      maxLongTaskTrainingMs: during.length ? Math.max(...during) : 0,
      mainThread: traced.mainThread,
      messageCosts: open.costs,
      chartRefreshHz: open.redraws / open.secs,
      metricsHz: open.metrics / open.secs,
      maskRefreshHz: open.probes / open.secs,
      bytesPerSecond: open.bytes / open.secs,
      msPerStepOpen: open.msPerStep,
      msPerStepHidden: hidden.msPerStep,
    };
  });
}
