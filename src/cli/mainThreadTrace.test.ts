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
const task = (
  pid: number,
  tid: number,
  at: number,
  wall: number,
  cpu: number,
  name = 'ThreadControllerImpl::RunTask',
): TraceEvent => ({
  name,
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

  it('tells the long tasks that were mostly garbage collection from the others', () => {
    const gc = (tid: number, at: number, wall: number, kind = 'MinorGC') =>
      task(1, tid, at, wall, wall / 3, kind);
    const events = [
      meta(1, 1, 'CrRendererMain'),
      meta(1, 2, 'DedicatedWorker thread'),
      task(1, 1, 0, 60, 20),
      gc(1, 1, 55), // a scavenge waiting for its helpers: most of the task
      task(1, 1, 100, 80, 40),
      gc(1, 110, 30), // under half of this one: the page's code was the long part
      task(1, 1, 200, 70, 30),
      gc(2, 205, 65), // the worker's collection at the same time does not count
      task(1, 1, 300, 90, 30),
      gc(1, 300, 20, 'MajorGC'),
      gc(1, 330, 30), // two collections in one task add up to over half
      task(1, 1, 400, 40, 20),
      gc(1, 401, 38), // mostly GC, but not over the budget
      gc(1, 460, 60), // outside every task
    ];
    expect(summarizeMainThread(events, 50)).toMatchObject({
      tasks: 5,
      overBudgetWall: 4,
      overBudgetWallGc: 2,
    });
  });

  it('is empty without a main thread', () => {
    expect(summarizeMainThread([task(1, 1, 0, 90, 90)])).toMatchObject({
      tasks: 0,
      overBudgetWallGc: 0,
      overBudgetCpu: 0,
      busyShare: 0,
    });
  });
});
