/**
 * The worker's side of checkpoints for the one run it owns: which run key it saves under, the step
 * of the last good checkpoint (what a roll-back returns to), the last live change (named in a
 * divergence message), and saving that never stops training: a snapshot with non-finite weights is
 * refused as a divergence, a storage failure is reported and training goes on.
 */
import { findNonFinite, type CheckpointData } from '../core/checkpoint';
import type { CheckpointSink } from '../storage/checkpointStore';
import { DivergenceError, describeDivergence, type Divergence } from './divergence';
import { serializeError, type Post } from './protocol';

/** What a trainer offers for checkpoints (src/core/trainer.ts implements both). */
export interface Checkpointable {
  readonly stepCount: number;
  snapshot?(): Promise<CheckpointData>;
  restore?(c: CheckpointData): void;
}

export class RunCheckpoints {
  /** The run's key in the checkpoint store. */
  key = '';
  /** Step of the last checkpoint saved or restored for this run in this worker (null: none). */
  step: number | null = null;
  private lastLive: { step: number; patch: Record<string, unknown> } | null = null;

  constructor(
    private readonly sink: CheckpointSink | undefined,
    private readonly post: Post,
  ) {}

  /** A new run (or a restored one) under `key`. */
  begin(key: string, restoredStep: number | null = null): void {
    this.key = key;
    this.step = restoredStep;
    this.lastLive = null;
  }

  /** Remembers a live change (a later divergence message names it). */
  noteLive(step: number, patch: Record<string, unknown>): void {
    this.lastLive = { step, patch };
  }

  /**
   * Saves the trainer's state as the run's latest checkpoint (skipped when this step is already
   * saved, unless the run just finished). Throws DivergenceError when a weight is non-finite.
   */
  async save(runId: number, trainer: Checkpointable, finished: boolean): Promise<void> {
    if (!this.sink || !trainer.snapshot || !this.key) return;
    if (trainer.stepCount === 0 || (trainer.stepCount === this.step && !finished)) return;
    const c = await trainer.snapshot();
    const bad = findNonFinite(c);
    if (bad) throw this.divergence({ step: c.step, term: 'weights', value: NaN, detail: bad });
    try {
      const { bytes } = await this.sink.save(this.key, c, finished);
      this.step = c.step;
      this.post({ type: 'checkpoint', runId, key: this.key, step: c.step, bytes, finished });
    } catch (e) {
      const err = serializeError(e);
      this.post({
        type: 'error',
        runId,
        error: {
          name: 'CheckpointError',
          message: `The checkpoint at step ${c.step} was not saved (training goes on; the previous one is kept): ${err.message}`,
        },
        fatal: false,
      });
    }
  }

  /** The run's latest good checkpoint (falls back to the previous one, with a note). */
  async load(): Promise<{ checkpoint: CheckpointData; note: string }> {
    if (!this.sink) throw new Error('checkpoints are not available in this worker (no IndexedDB)');
    return this.sink.load(this.key);
  }

  /** The error that pauses the run, with the message naming the term, the fix and the roll-back step. */
  divergence(d: Pick<Divergence, 'step' | 'term' | 'value'> & { detail?: string }): DivergenceError {
    const message = describeDivergence(d, { lastLive: this.lastLive, rollbackStep: this.step });
    return new DivergenceError(message, d.step, d.term);
  }
}
