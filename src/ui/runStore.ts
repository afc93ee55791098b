/**
 * Runs kept in the browser (IndexedDB): each run is stored as a run bundle (the same zip the
 * Export button downloads, without the GIF/PNG media), with a small summary for the list. Storage is
 * bounded: past MAX_RUNS runs or MAX_BYTES bytes the oldest runs are removed, and the caller is told
 * which. A full quota surfaces as StorageFullError; the caller keeps training regardless.
 */
import { readRunBundle, type RunBundle } from '../export/runBundle';
import { KvStore, type RecordSummary } from '../storage/kv';

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

export class RunStore {
  private constructor(private readonly kv: KvStore<RunSummary>) {}

  static async open(idb?: IDBFactory): Promise<RunStore> {
    return new RunStore(await KvStore.open<RunSummary>('samix-runs', idb ?? globalThis.indexedDB));
  }

  /** Saves (or replaces) a run; returns the names of older runs removed to stay within bounds. */
  async save(summary: RunSummary, bundle: Uint8Array): Promise<string[]> {
    // A run saved again (on every pause) keeps the name the user gave it.
    const before = await this.kv.get(summary.id);
    await this.kv.put(summary.id, before ? { ...summary, name: before.meta.name } : summary, [bundle]);
    const all = (await this.kv.list()).sort((a, b) => a.meta.createdAt - b.meta.createdAt);
    const removed: string[] = [];
    let total = all.reduce((a, r) => a + r.size, 0);
    for (const r of all) {
      if (all.length - removed.length <= MAX_RUNS && total <= MAX_BYTES) break;
      if (r.key === summary.id) continue;
      await this.kv.delete(r.key);
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
    const old = (await this.kv.list())
      .filter((r) => r.key !== keep)
      .sort((a, b) => a.meta.createdAt - b.meta.createdAt)
      .slice(0, count);
    for (const r of old) await this.kv.delete(r.key);
    return old.map((r) => r.meta.name);
  }

  async list(): Promise<StoredRun[]> {
    return (await this.kv.list()).sort((a, b) => b.meta.createdAt - a.meta.createdAt);
  }

  async rename(id: string, name: string): Promise<void> {
    const rec = await this.kv.get(id);
    if (!rec) throw new Error(`run ${id} is no longer stored`);
    await this.kv.put(id, { ...rec.meta, name }, rec.bytes);
  }

  async remove(id: string): Promise<void> {
    await this.kv.delete(id);
  }

  async bundle(id: string): Promise<Uint8Array> {
    const rec = await this.kv.get(id);
    if (!rec) throw new Error(`run ${id} is no longer stored`);
    return rec.bytes[0];
  }

  async open(id: string): Promise<RunBundle> {
    return readRunBundle(await this.bundle(id));
  }
}
