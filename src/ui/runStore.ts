/**
 * Runs kept in the browser (IndexedDB), each with a small summary record for the list. An imported
 * run is stored as its run bundle (the zip the Export button downloads); the live run is saved in
 * parts by the autosave (src/storage/runParts.ts: a head and one chunk per save, under keys past
 * every run id, written with the summary in one transaction) and exported as the same zip. Storage
 * is bounded: past MAX_RUNS runs or MAX_BYTES bytes the oldest runs are removed, and the caller is
 * told which. A full quota surfaces as StorageFullError; the caller keeps training regardless.
 */
import {
  buildRunBundle,
  readRunBundle,
  RUN_BUNDLE_VERSION,
  RunBundleError,
  type RunBundle,
} from '../export/runBundle';
import { validateConfig, type RunConfig } from '../core/config';
import { KvStore, type RecordSummary, type StoredRecord } from '../storage/kv';
import {
  assembleRun,
  encodeChunk,
  encodeHead,
  type ChunkPart,
  type EncodedPart,
  type HeadPart,
  type RunContent,
} from '../storage/runParts';

export interface RunSummary {
  id: string;
  name: string;
  method: string;
  dataset: string;
  steps: number;
  finalAccQ: number;
  createdAt: number;
}

export const MAX_RUNS = 40;
export const MAX_BYTES = 250 * 2 ** 20;

export type StoredRun = RecordSummary<RunSummary>;

/** One save of the live run: everything (`full`, replacing what is stored) or what is new. */
export interface RunDelta {
  full: boolean;
  /** Chunk number (0 for a full save). */
  seq: number;
  config: RunConfig;
  meta: Record<string, unknown>;
  metrics: RunContent['metrics'];
  evals: RunContent['evals'];
  frames: RunContent['frames'];
  images: RunContent['images'];
}

/** The summary record of a run saved in parts (its payload lives in the part records). */
interface PartsSummary extends RunSummary {
  layout?: 'parts';
  /** Chunks written (the next chunk's number) and the bytes of every part. */
  chunks?: number;
  partBytes?: number;
  /** Bytes of the head alone (rewritten at each save). */
  headBytes?: number;
}
type Part = (HeadPart & { kind: 'head' }) | (ChunkPart & { kind: 'chunk' });

/** Part keys sort after every run id: "\uffff<id>\u0000head", "\uffff<id>\u0000c<seq>". */
const PARTS = '\uffff';
const partsOf = (id: string) => IDBKeyRange.bound(`${PARTS}${id}\u0000`, `${PARTS}${id}\u0001`, false, true);
const summaries = () => IDBKeyRange.upperBound(PARTS, true);
const chunkKey = (id: string, seq: number) => `${PARTS}${id}\u0000c${String(seq).padStart(9, '0')}`;
const size = (bytes: Uint8Array[]) => bytes.reduce((a, b) => a + b.byteLength, 0);

/** A chunk that does not follow what is stored (the run was deleted or saved elsewhere): save in full. */
export class StaleSaveError extends Error {
  constructor(id: string) {
    super(`run ${id} changed in storage since the last save; save it in full`);
    this.name = 'StaleSaveError';
  }
}

export class RunStore {
  private constructor(private readonly kv: KvStore<PartsSummary | Part>) {}

  static async open(idb?: IDBFactory): Promise<RunStore> {
    return new RunStore(await KvStore.open<PartsSummary | Part>('samix-runs', idb ?? globalThis.indexedDB));
  }

  private async summary(id: string): Promise<StoredRecord<PartsSummary> | undefined> {
    return (await this.kv.get(id)) as StoredRecord<PartsSummary> | undefined;
  }

  /** Saves (or replaces) a run; returns the names of older runs removed to stay within bounds. */
  async save(summary: RunSummary, bundle: Uint8Array): Promise<string[]> {
    // A run saved again (on every pause) keeps the name the user gave it.
    const before = await this.summary(summary.id);
    const meta = { ...summary, name: before?.meta.name ?? summary.name };
    await this.kv.batch([{ key: summary.id, meta, bytes: [bundle] }], [partsOf(summary.id)]);
    return this.bound(summary.id);
  }

  /**
   * Saves the live run in parts: the summary, the head and one chunk (empty when nothing is new), in
   * one transaction; a full save replaces the run's stored parts. A chunk that does not follow what
   * is stored (the run was removed, or stored as a zip) is refused with StaleSaveError: save in full.
   * @returns the names of older runs removed to stay within bounds
   */
  async saveParts(summary: RunSummary, d: RunDelta): Promise<string[]> {
    // Encoded before the first await: the caller's data may change once this returns.
    const head = encodeHead(d.config, d.meta, d.images);
    const chunk = encodeChunk(d.seq, d.metrics, d.evals, d.frames);
    const before = await this.summary(summary.id);
    const stored = before?.meta.layout === 'parts' ? before.meta : null;
    if (!d.full && (stored === null || stored.chunks !== d.seq)) throw new StaleSaveError(summary.id);
    const records = [
      {
        key: `${PARTS}${summary.id}\u0000head`,
        meta: { kind: 'head', ...head.part } as Part,
        bytes: head.bytes,
      },
      {
        key: chunkKey(summary.id, d.seq),
        meta: { kind: 'chunk', ...chunk.part } as Part,
        bytes: chunk.bytes,
      },
    ];
    // The head is rewritten at each save: only its latest size counts.
    const chunksBefore = d.full || !stored ? 0 : (stored.partBytes ?? 0) - (stored.headBytes ?? 0);
    const meta: PartsSummary = {
      ...summary,
      name: before?.meta.name ?? summary.name,
      layout: 'parts',
      chunks: d.seq + 1,
      partBytes: chunksBefore + size(head.bytes) + size(chunk.bytes),
      headBytes: size(head.bytes),
    };
    await this.kv.batch(
      [{ key: summary.id, meta, bytes: [] }, ...records],
      d.full ? [partsOf(summary.id)] : [],
    );
    return this.bound(summary.id);
  }

  /** Removes the oldest runs other than `keep` while past MAX_RUNS or MAX_BYTES; returns their names. */
  private async bound(keep: string): Promise<string[]> {
    const all = (await this.list()).sort((a, b) => a.meta.createdAt - b.meta.createdAt);
    const removed: string[] = [];
    let total = all.reduce((a, r) => a + r.size, 0);
    for (const r of all) {
      if (all.length - removed.length <= MAX_RUNS && total <= MAX_BYTES) break;
      if (r.key === keep) continue;
      await this.remove(r.key);
      removed.push(r.meta.name);
      total -= r.size;
    }
    return removed;
  }

  /**
   * Frees space after a full quota: deletes the `count` oldest runs other than `keep` (the live run).
   * @returns the names of the runs removed, oldest first
   */
  async removeOldest(count: number, keep: string | null): Promise<string[]> {
    const old = (await this.list())
      .filter((r) => r.key !== keep)
      .sort((a, b) => a.meta.createdAt - b.meta.createdAt)
      .slice(0, count);
    for (const r of old) await this.remove(r.key);
    return old.map((r) => r.meta.name);
  }

  /** The runs, newest first (summary records only: no payload is read for runs saved in parts). */
  async list(): Promise<StoredRun[]> {
    return ((await this.kv.list(summaries())) as Array<RecordSummary<PartsSummary>>)
      .map((r) => ({ ...r, size: r.size + (r.meta.partBytes ?? 0) }))
      .sort((a, b) => b.meta.createdAt - a.meta.createdAt);
  }

  async rename(id: string, name: string): Promise<void> {
    const rec = await this.summary(id);
    if (!rec) throw new Error(`run ${id} is no longer stored`);
    await this.kv.put(id, { ...rec.meta, name }, rec.bytes);
  }

  async remove(id: string): Promise<void> {
    await this.kv.batch([], [IDBKeyRange.only(id), partsOf(id)]);
  }

  /** The run as a run bundle zip (built from its parts when saved by the autosave). */
  async bundle(id: string): Promise<Uint8Array> {
    const rec = await this.summary(id);
    if (!rec) throw new Error(`run ${id} is no longer stored`);
    if (rec.meta.layout !== 'parts') return rec.bytes[0];
    const run = await this.assemble(id);
    return buildRunBundle({ ...run, frames: run.history.frames, media: false });
  }

  async open(id: string): Promise<RunBundle> {
    const rec = await this.summary(id);
    if (!rec) throw new Error(`run ${id} is no longer stored`);
    if (rec.meta.layout !== 'parts') return readRunBundle(rec.bytes[0]);
    const run = await this.assemble(id);
    const { config, issues } = validateConfig({ ...run.config });
    if (issues.length > 0)
      throw new RunBundleError(`saved run ${id} config: ${issues.map((i) => i.message).join('; ')}`);
    return {
      version: RUN_BUNDLE_VERSION,
      config,
      meta: run.meta,
      metrics: run.metrics,
      evals: run.evals,
      weights: [],
      history: run.history,
    };
  }

  private async assemble(id: string): Promise<ReturnType<typeof assembleRun>> {
    let head: EncodedPart<HeadPart> | null = null;
    const chunks: Array<EncodedPart<ChunkPart>> = [];
    for (const r of await this.kv.getAll(partsOf(id))) {
      const p = r.meta as Part;
      if (p.kind === 'head') head = { part: p, bytes: r.bytes };
      else if (p.kind === 'chunk') chunks.push({ part: p, bytes: r.bytes });
    }
    if (!head) throw new RunBundleError(`saved run ${id}: its head part is missing; delete the run`);
    try {
      return assembleRun(head, chunks);
    } catch (e) {
      throw new RunBundleError(`saved run ${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
