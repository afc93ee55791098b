/**
 * Checkpoints kept in IndexedDB, per run, written so that a half-written checkpoint never replaces a
 * good one: the bytes go under a fresh key first, and only then is the run's pointer flipped to it
 * (the previous checkpoint stays as the fallback). Loading verifies the checksum and falls back to
 * the previous checkpoint, with a note, when the latest is damaged. Bounded: two checkpoints per
 * run, checkpoints of the MAX_RUNS most recent runs. Pointers and bytes live in two databases so
 * listing runs never reads checkpoint bytes. No TF.js: the page uses `runs()` for its resume offer.
 */
import { decodeCheckpoint, encodeCheckpoint, type CheckpointData } from '../core/checkpoint';
import type { RunConfig } from '../core/config';
import { KvStore } from './kv';

/** Runs whose checkpoints are kept (the oldest are dropped beyond this). */
export const MAX_CHECKPOINT_RUNS = 3;

/** A run's pointer record: its latest and previous checkpoints and what the resume offer shows. */
export interface CheckpointRun {
  runKey: string;
  /** Key of the latest checkpoint's bytes, and its step. */
  latest: string;
  step: number;
  /** The previous good checkpoint (fallback), if any. */
  previous: string | null;
  previousStep: number | null;
  /** A checkpoint being written (cleaned up if the tab died before the pointer flipped). */
  pending: string | null;
  /** The run reached its step budget (no resume offered). */
  finished: boolean;
  method: string;
  dataset: string;
  seed: number;
  budget: number;
  /** Configuration of the latest checkpoint (what a resume continues with). */
  config: RunConfig;
  savedAt: number;
}

/** What `save` and `load` need (the handler's dependency; tests substitute their own). */
export interface CheckpointSink {
  save(runKey: string, c: CheckpointData, finished: boolean): Promise<{ bytes: number }>;
  load(runKey: string): Promise<{ checkpoint: CheckpointData; note: string }>;
}

interface BlobMeta {
  runKey: string;
  step: number;
}

export class CheckpointStore implements CheckpointSink {
  private constructor(
    private readonly index: KvStore<CheckpointRun>,
    private readonly blobs: KvStore<BlobMeta>,
  ) {}

  static async open(idb: IDBFactory | undefined = globalThis.indexedDB): Promise<CheckpointStore> {
    const index = await KvStore.open<CheckpointRun>('samix-checkpoint-runs', idb);
    const blobs = await KvStore.open<BlobMeta>('samix-checkpoints', idb);
    return new CheckpointStore(index, blobs);
  }

  /** Saves a checkpoint as the run's latest; returns its size. The previous latest is kept. */
  async save(runKey: string, c: CheckpointData, finished: boolean): Promise<{ bytes: number }> {
    const bytes = encodeCheckpoint(c);
    const before = (await this.index.get(runKey))?.meta;
    const key = `${runKey}@${c.step}#${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const now = Date.now();
    const base: CheckpointRun = before ?? {
      runKey,
      latest: '',
      step: 0,
      previous: null,
      previousStep: null,
      pending: null,
      finished: false,
      method: c.config.method,
      dataset: c.config.dataset,
      seed: c.config.seed,
      budget: c.config.steps,
      config: c.config,
      savedAt: now,
    };
    if (before?.pending) await this.blobs.delete(before.pending); // left by a tab that died mid-write
    // 1. Announce the write, 2. write the bytes, 3. flip the pointer: a crash at any point leaves the
    // pointer on a complete checkpoint.
    await this.index.put(runKey, { ...base, pending: key }, []);
    await this.blobs.put(key, { runKey, step: c.step }, [bytes]);
    const keep = before && before.latest ? before.latest : null;
    await this.index.put(
      runKey,
      {
        ...base,
        latest: key,
        step: c.step,
        previous: keep,
        previousStep: keep ? before!.step : null,
        pending: null,
        finished,
        budget: c.config.steps,
        config: c.config,
        savedAt: now,
      },
      [],
    );
    if (before?.previous && before.previous !== key) await this.blobs.delete(before.previous);
    await this.prune(runKey);
    return { bytes: bytes.length };
  }

  /**
   * The run's latest good checkpoint. A damaged or missing latest falls back to the previous one,
   * and `note` says so; throws naming the run when neither can be read.
   */
  async load(runKey: string): Promise<{ checkpoint: CheckpointData; note: string }> {
    const run = (await this.index.get(runKey))?.meta;
    if (!run || !run.latest) throw new Error(`no checkpoint is stored for run ${runKey}`);
    const problems: string[] = [];
    for (const [key, step] of [
      [run.latest, run.step],
      [run.previous, run.previousStep],
    ] as const) {
      if (!key) continue;
      try {
        const rec = await this.blobs.get(key);
        if (!rec) throw new Error('its bytes are missing');
        const checkpoint = decodeCheckpoint(rec.bytes[0]);
        if (checkpoint.step !== step) throw new Error(`it holds step ${checkpoint.step}, not ${step}`);
        const note =
          problems.length > 0
            ? `The checkpoint at step ${run.step} could not be used (${problems.join('; ')}); restored the previous one at step ${step}.`
            : '';
        return { checkpoint, note };
      } catch (e) {
        problems.push(`step ${step}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    throw new Error(`no usable checkpoint for run ${runKey}: ${problems.join('; ')}`);
  }

  /** Pointer records of every run with checkpoints, most recent first. */
  async runs(): Promise<CheckpointRun[]> {
    const all = await this.index.list();
    return all
      .map((r) => r.meta)
      .filter((m) => !!m.latest)
      .sort((a, b) => b.savedAt - a.savedAt);
  }

  /** Deletes a run's checkpoints and pointer. */
  async remove(runKey: string): Promise<void> {
    const run = (await this.index.get(runKey))?.meta;
    if (!run) return;
    for (const key of [run.latest, run.previous, run.pending]) if (key) await this.blobs.delete(key);
    await this.index.delete(runKey);
  }

  /** Drops the checkpoints of all but the MAX_CHECKPOINT_RUNS most recent runs. */
  private async prune(keepKey: string): Promise<void> {
    const runs = await this.runs();
    const drop = runs.filter((r) => r.runKey !== keepKey).slice(MAX_CHECKPOINT_RUNS - 1);
    for (const r of drop) await this.remove(r.runKey);
  }

  close(): void {
    this.index.close();
    this.blobs.close();
  }
}

/** A sink that opens the store on first use (the worker entry); an open failure is each call's error. */
export function lazyCheckpointStore(idb?: IDBFactory): CheckpointSink {
  let opened: Promise<CheckpointStore> | null = null;
  const store = (): Promise<CheckpointStore> => {
    opened ??= CheckpointStore.open(idb ?? globalThis.indexedDB).catch((e: unknown) => {
      opened = null;
      throw e;
    });
    return opened;
  };
  return {
    save: async (key, c, finished) => (await store()).save(key, c, finished),
    load: async (key) => (await store()).load(key),
  };
}
