import { describe, expect, it } from 'vitest';
import { KEPT_PER_TYPE, MessageCosts, timedHandler } from './messageCost';

describe('message costs', () => {
  it('summarises per type: count, median and longest, costliest type first', () => {
    const c = new MessageCosts();
    for (const ms of [4, 1, 9, 2, 3]) c.note('metrics', ms);
    c.note('probe', 20);
    c.note('probe', 6);
    expect(c.summary()).toEqual([
      { type: 'probe', count: 2, medianMs: 6, maxMs: 20 },
      { type: 'metrics', count: 5, medianMs: 3, maxMs: 9 },
    ]);
  });

  it('keeps only the last durations of a type but counts every message', () => {
    const c = new MessageCosts();
    c.note('batch', 1000);
    for (let i = 0; i < KEPT_PER_TYPE; i++) c.note('batch', 1);
    expect(c.summary()).toEqual([{ type: 'batch', count: KEPT_PER_TYPE + 1, medianMs: 1, maxMs: 1 }]);
  });

  it('times the handler up to the end of the microtasks it queued (a synchronous re-render)', async () => {
    const c = new MessageCosts();
    let clock = 0;
    const seen: string[] = [];
    const handle = timedHandler<{ type: string }>(
      c,
      (msg) => {
        seen.push(msg.type);
        clock += 2; // the handler
        queueMicrotask(() => (clock += 5)); // the render React queues while the handler runs
      },
      () => clock,
    );
    handle({ type: 'probe' });
    expect(c.summary()).toEqual([]); // recorded only once the queued work has run
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual(['probe']);
    expect(c.summary()).toEqual([{ type: 'probe', count: 1, medianMs: 7, maxMs: 7 }]);
  });

  it('records a handler that throws, and lets the error through', async () => {
    const c = new MessageCosts();
    const handle = timedHandler<{ type: string }>(c, () => {
      throw new Error('bad message');
    });
    expect(() => handle({ type: 'status' })).toThrow('bad message');
    await Promise.resolve();
    expect(c.summary().map((s) => [s.type, s.count])).toEqual([['status', 1]]);
  });
});
