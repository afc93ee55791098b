import { describe, expect, it } from 'vitest';
import { RedrawQueue, type QueueTimers } from './redrawQueue';

/** Timers that run only when the test says so (`tick` runs the due ones, one task each). */
class ManualTimers implements QueueTimers {
  now = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  /** Runs the earliest due timer at or before `now + ms` (one task); false if none. */
  runOne(ms = 0): boolean {
    let best: [number, { at: number; fn: () => void }] | null = null;
    for (const e of this.due) if (e[1].at <= this.now + ms && (!best || e[1].at < best[1].at)) best = e;
    if (!best) return false;
    this.due.delete(best[0]);
    this.now = Math.max(this.now, best[1].at);
    best[1].fn();
    return true;
  }
  get count(): number {
    return this.due.size;
  }
}

function setup(maxTurnMs = 250) {
  const timers = new ManualTimers();
  const q = new RedrawQueue(timers, maxTurnMs);
  const log: string[] = [];
  const panel = (name: string) => {
    const key = {};
    return { key, ask: () => q.request(key, () => log.push(name)), done: () => q.done(key) };
  };
  return { timers, q, log, panel };
}

describe('RedrawQueue: one panel redraw per task', () => {
  it('hands out one turn at a time, the next only after the current panel reports, in a later task', () => {
    const { timers, q, log, panel } = setup();
    const loss = panel('loss');
    const acc = panel('acc');
    loss.ask();
    acc.ask();
    expect(log).toEqual([]); // never in the task of the request
    timers.runOne();
    expect(log).toEqual(['loss']);
    expect(q.drawing).toBe(true);
    timers.runOne(); // nothing due now: the turn is loss's until it reports (only the guard waits)
    expect(log).toEqual(['loss']);
    loss.done();
    expect(log).toEqual(['loss']); // acc's turn starts in a task of its own, not inside done()
    timers.runOne();
    expect(log).toEqual(['loss', 'acc']);
    acc.done();
    expect(q.drawing).toBe(false);
    expect(timers.runOne()).toBe(false);
  });

  it('keeps one place per panel however often it asks, and a drawing panel queues behind the others', () => {
    const { timers, q, log, panel } = setup();
    const [a, b, c] = [panel('a'), panel('b'), panel('c')];
    a.ask();
    b.ask();
    a.ask();
    b.ask();
    expect(q.pending).toBe(2);
    timers.runOne();
    a.ask(); // a is drawing: it goes behind b
    c.ask();
    a.done();
    for (const p of [b, a, c]) {
      timers.runOne();
      p.done();
    }
    expect(log).toEqual(['a', 'b', 'a', 'c']);
  });

  it('uses the newest request of a waiting panel', () => {
    const { timers, q } = setup();
    const key = {};
    const seen: number[] = [];
    q.request(key, () => seen.push(1));
    q.request(key, () => seen.push(2));
    timers.runOne();
    expect(seen).toEqual([2]);
  });

  it('ends a turn whose panel never reports after maxTurnMs, so a silent panel stalls nobody', () => {
    const { timers, log, panel } = setup(100);
    const silent = panel('silent');
    const other = panel('other');
    silent.ask();
    other.ask();
    timers.runOne();
    expect(timers.runOne(99)).toBe(false); // the guard is not due before 100 ms
    expect(log).toEqual(['silent']);
    timers.runOne(100); // the guard ends the turn
    timers.runOne();
    expect(log).toEqual(['silent', 'other']);
  });

  it('ignores a report from a panel whose turn it is not, and cancel drops a waiting or running turn', () => {
    const { timers, q, log, panel } = setup();
    const [a, b, c] = [panel('a'), panel('b'), panel('c')];
    a.ask();
    b.ask();
    c.ask();
    timers.runOne();
    b.done(); // not b's turn: a still draws
    expect(q.drawing).toBe(true);
    q.cancel(b.key);
    expect(q.pending).toBe(1);
    q.cancel(a.key); // a unmounted mid-turn: the next turn (c) starts
    timers.runOne();
    expect(log).toEqual(['a', 'c']);
    c.done();
    expect(timers.count).toBe(0); // no guard or kick left behind
  });
});
