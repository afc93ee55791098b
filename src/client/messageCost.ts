/**
 * What each kind of worker message costs the page's main thread: the client's handler plus the
 * synchronous React re-render it sets off (the store notifies React, which renders in a microtask
 * of the same task). Kept per message type, the last `KEPT_PER_TYPE` durations each, for the
 * responsiveness benchmark (`npm run bench -- --part ui`) and the console (`window.__samix`).
 */

/** Durations kept per message type (older ones are dropped). */
export const KEPT_PER_TYPE = 500;

export interface MessageCostSummary {
  type: string;
  /** Messages of this type seen (all of them, not only the kept durations). */
  count: number;
  medianMs: number;
  maxMs: number;
}

export class MessageCosts {
  private readonly kept = new Map<string, { count: number; ms: number[] }>();

  /** Records one message of `type` that took `ms`. */
  note(type: string, ms: number): void {
    let k = this.kept.get(type);
    if (!k) this.kept.set(type, (k = { count: 0, ms: [] }));
    k.count += 1;
    k.ms.push(ms);
    if (k.ms.length > KEPT_PER_TYPE) k.ms.shift();
  }

  /** Per type, the median and the longest of the kept durations; the costliest types first. */
  summary(): MessageCostSummary[] {
    return [...this.kept]
      .map(([type, k]) => {
        const s = [...k.ms].sort((a, b) => a - b);
        return { type, count: k.count, medianMs: s[Math.floor((s.length - 1) / 2)], maxMs: s[s.length - 1] };
      })
      .sort((a, b) => b.maxMs - a.maxMs);
  }
}

/**
 * Wraps a message handler so every call is timed up to the end of the microtasks it queued (React's
 * synchronous render of a store update runs in one of them).
 */
export function timedHandler<M extends { type: string }>(
  costs: MessageCosts,
  handle: (msg: M) => void,
  now: () => number = () => performance.now(),
): (msg: M) => void {
  return (msg) => {
    const t0 = now();
    try {
      handle(msg);
    } finally {
      queueMicrotask(() => costs.note(msg.type, now() - t0));
    }
  };
}
