import { describe, expect, it } from 'vitest';
import { summarizeMainThread, type TraceEvent } from './mainThreadTrace';

const meta = (pid: number, tid: number, name: string): TraceEvent => ({
  name: 'thread_name',
  ph: 'M',
  pid,
  tid,
  ts: 0,
  args: { name },
});
/** A task of `wall` ms wall clock and `cpu` ms on the CPU, starting at `at` ms. */
const task = (pid: number, tid: number, at: number, wall: number, cpu: number): TraceEvent => ({
  name: 'ThreadControllerImpl::RunTask',
  ph: 'X',
  pid,
  tid,
  ts: at * 1000,
  dur: wall * 1000,
  tdur: cpu * 1000,
});

describe('main-thread tasks from a trace', () => {
  it('counts tasks over the budget by wall clock and by CPU separately', () => {
    const events = [
      meta(1, 1, 'CrRendererMain'),
      task(1, 1, 0, 80, 30), // waited for a core: long by the wall clock only
      task(1, 1, 100, 60, 55), // long on the CPU too
      task(1, 1, 200, 10, 10),
      task(1, 1, 300, 100, 50), // exactly the budget on the CPU: not over
    ];
    const s = summarizeMainThread(events, 50);
    expect(s).toMatchObject({ tasks: 4, overBudgetWall: 3, overBudgetCpu: 1, maxWallMs: 100, maxCpuMs: 55 });
    expect(s.busyShare).toBeCloseTo((30 + 55 + 10 + 50) / 400, 12);
  });

  it("reads the page's renderer: the busiest main thread, not other threads or renderers", () => {
    const events = [
      meta(1, 1, 'CrRendererMain'),
      meta(2, 7, 'CrRendererMain'),
      meta(2, 8, 'DedicatedWorker thread'),
      task(1, 1, 0, 90, 90), // an idle second renderer's only task
      task(2, 8, 0, 500, 500), // the training worker: not the main thread
      ...[0, 10, 20].map((at) => task(2, 7, at, 5, 4)),
    ];
    expect(summarizeMainThread(events)).toMatchObject({ tasks: 3, overBudgetWall: 0, maxCpuMs: 4 });
  });

  it('is empty without a main thread', () => {
    expect(summarizeMainThread([task(1, 1, 0, 90, 90)])).toMatchObject({
      tasks: 0,
      overBudgetCpu: 0,
      busyShare: 0,
    });
  });
});
