/**
 * The page's main-thread tasks from a Chromium trace, with the time each one ran on the CPU next to
 * its wall-clock length. The Long Tasks API sees wall-clock time only; on a machine whose cores are
 * busy (the training worker holds one of this machine's two) a task can wait for a core half of its
 * length. Thread time separates what the page's own code costs from that wait, and the garbage
 * collections inside the long tasks show how many of them were V8 collecting rather than the page's
 * code (docs/performance.md, "Responsiveness while training").
 */
import type { Page } from '@playwright/test';

/** A trace event, as far as this file reads it. */
export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  /** Wall-clock duration (µs) of a complete ('X') event. */
  dur?: number;
  /** Thread (CPU) time (µs) of a complete event. */
  tdur?: number;
  args?: { name?: string };
}

export interface MainThreadTasks {
  tasks: number;
  /** Tasks longer than the budget by the wall clock (what the Long Tasks API reports). */
  overBudgetWall: number;
  /**
   * Of the tasks over the budget by the wall clock, those that were mostly garbage collection (V8's
   * minor or major GC took over half of the task's wall time): their parallel phases wait for helper
   * threads, which wait for a core like everything else.
   */
  overBudgetWallGc: number;
  /** Tasks that ran longer than the budget on the CPU. */
  overBudgetCpu: number;
  maxWallMs: number;
  maxCpuMs: number;
  /** Sum of all tasks' CPU time over the traced span's wall time (share of one core). */
  busyShare: number;
}

const TASK = 'ThreadControllerImpl::RunTask';
const GC = new Set(['MinorGC', 'MajorGC']);

/** Wall time (µs) of the garbage collections on the task's thread that started inside `task`. */
function gcTimeIn(task: TraceEvent, gcs: readonly TraceEvent[]): number {
  const end = task.ts + (task.dur ?? 0);
  let sum = 0;
  for (const g of gcs) if (g.ts >= task.ts && g.ts < end) sum += g.dur ?? 0;
  return sum;
}

/** Main-thread tasks over `budgetMs` by wall clock and by CPU, from the events of one trace. */
export function summarizeMainThread(events: readonly TraceEvent[], budgetMs = 50): MainThreadTasks {
  const mains = events
    .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
    .map((e) => `${e.pid}:${e.tid}`);
  const byThread = new Map<string, TraceEvent[]>(mains.map((k) => [k, []]));
  const gcByThread = new Map<string, TraceEvent[]>(mains.map((k) => [k, []]));
  for (const e of events) {
    if (e.ph !== 'X') continue;
    const thread = `${e.pid}:${e.tid}`;
    if (e.name === TASK) byThread.get(thread)?.push(e);
    else if (GC.has(e.name)) gcByThread.get(thread)?.push(e);
  }
  // The page's renderer is the busiest one (a browser may keep other renderers alive).
  const [thread, tasks] = [...byThread.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
  const gcs = gcByThread.get(thread) ?? [];
  const budget = budgetMs * 1000;
  const longWall = tasks.filter((t) => (t.dur ?? 0) > budget);
  let maxWall = 0;
  let maxCpu = 0;
  let cpu = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const t of tasks) {
    const wall = t.dur ?? 0;
    maxWall = Math.max(maxWall, wall);
    maxCpu = Math.max(maxCpu, t.tdur ?? 0);
    cpu += t.tdur ?? 0;
    first = Math.min(first, t.ts);
    last = Math.max(last, t.ts + wall);
  }
  return {
    tasks: tasks.length,
    overBudgetWall: longWall.length,
    overBudgetWallGc: longWall.filter((t) => 2 * gcTimeIn(t, gcs) > (t.dur ?? 0)).length,
    overBudgetCpu: tasks.filter((t) => (t.tdur ?? 0) > budget).length,
    maxWallMs: maxWall / 1000,
    maxCpuMs: maxCpu / 1000,
    busyShare: last > first ? cpu / (last - first) : 0,
  };
}

/** Starts tracing the page's tasks; the returned function stops and summarises the trace. */
export async function traceMainThread(page: Page): Promise<() => Promise<MainThreadTasks>> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  // The protocol types the events as string maps; their fields are the ones TraceEvent names.
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    // devtools.timeline: the garbage collections (MinorGC, MajorGC) inside the tasks.
    traceConfig: { includedCategories: ['toplevel', 'devtools.timeline', '__metadata'] },
  });
  return async () => {
    const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await done;
    await cdp.detach();
    return summarizeMainThread(events);
  };
}
