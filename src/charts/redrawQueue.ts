/**
 * One panel redraw per task. The panels the worker feeds (the loss and accuracy charts, the masks,
 * the diagnostics) each cost a few tens of milliseconds to redraw, most of it in recharts' store
 * updates, which React runs synchronously once the redraw is committed. Handed their new values
 * together, several panels commit in one render and their store updates add up in one task; the
 * queue hands out one turn at a time instead: a panel gets its value, redraws, reports that its
 * redraw committed (`done`), and the next panel's turn starts in a later task. docs/performance.md
 * has the measurements.
 *
 * A panel that does not report within `maxTurnMs` (its value turned out unchanged, so nothing
 * redrew) loses its turn, so a silent panel never stalls the others.
 */

export interface QueueTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const browserTimers: QueueTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** How long a turn waits for its panel to report before the next panel goes (ms). */
const MAX_TURN_MS = 250;

interface Turn {
  key: object;
  run: () => void;
}

export class RedrawQueue {
  private readonly waiting: Turn[] = [];
  private current: object | null = null;
  private guard: unknown = null;
  private kick: unknown = null;

  constructor(
    private readonly timers: QueueTimers = browserTimers,
    private readonly maxTurnMs = MAX_TURN_MS,
  ) {}

  /**
   * Ask for a turn. A panel already waiting keeps its place and its newest `run` (which should read
   * the newest value when called); a panel that is drawing now queues behind the others.
   */
  request(key: object, run: () => void): void {
    const queued = this.waiting.find((t) => t.key === key);
    if (queued) queued.run = run;
    else this.waiting.push({ key, run });
    this.schedule();
  }

  /** The redraw `key` was given has committed: the next panel's turn starts in a later task. */
  done(key: object): void {
    if (this.current !== key) return;
    this.timers.clear(this.guard);
    this.guard = null;
    this.current = null;
    this.schedule();
  }

  /** A panel went away: its waiting turn is dropped, and its running turn ends. */
  cancel(key: object): void {
    const i = this.waiting.findIndex((t) => t.key === key);
    if (i >= 0) this.waiting.splice(i, 1);
    this.done(key);
  }

  /** Panels waiting for a turn (the one drawing is not counted). */
  get pending(): number {
    return this.waiting.length;
  }

  /** Whether a panel is drawing now. */
  get drawing(): boolean {
    return this.current !== null;
  }

  private schedule(): void {
    if (this.current !== null || this.kick !== null || this.waiting.length === 0) return;
    this.kick = this.timers.set(() => {
      this.kick = null;
      this.next();
    }, 0);
  }

  private next(): void {
    if (this.current !== null) return;
    const turn = this.waiting.shift();
    if (!turn) return;
    this.current = turn.key;
    this.guard = this.timers.set(() => this.done(turn.key), this.maxTurnMs);
    turn.run();
  }
}

/** The queue every live panel of the page shares. */
export const pageRedraws = new RedrawQueue();
