/**
 * Loaded datasets are kept in IndexedDB as shards (the `npm run data` format: uint8 files plus a
 * manifest with checksums), so a reload or the next run starts without reading or downloading
 * again. A corrupt cache entry is reported, deleted and reloaded from its source.
 */
import { decodeShards, encodeShards, type ShardManifest } from '../data/shards';
import type { ImageDataset } from '../data/types';
import { KvStore } from '../storage/kv';

export interface CachedDatasetMeta {
  manifest: ShardManifest;
  /** File names of `bytes`, in order. */
  files: string[];
}

export interface CachedDatasetSummary {
  name: string;
  size: number;
  savedAt: number;
  classes: number;
  train: number;
  test: number;
}

const DB_NAME = 'samix-datasets';

export class DatasetCache {
  private constructor(private readonly store: KvStore<CachedDatasetMeta> | null) {}

  /** Opens the cache; where IndexedDB is unavailable, a cache that stores nothing. */
  static async open(idb?: IDBFactory): Promise<DatasetCache> {
    try {
      return new DatasetCache(await KvStore.open<CachedDatasetMeta>(DB_NAME, idb ?? globalThis.indexedDB));
    } catch {
      return new DatasetCache(null);
    }
  }

  async save(ds: ImageDataset): Promise<void> {
    if (!this.store) return;
    const { manifest, files } = encodeShards(ds);
    await this.store.put(
      ds.name,
      { manifest, files: files.map((f) => f.name) },
      files.map((f) => f.data),
    );
  }

  /** The cached dataset, or null when absent. Throws a DataError when the entry is corrupt. */
  async load(name: string): Promise<ImageDataset | null> {
    const rec = await this.store?.get(name);
    if (!rec) return null;
    return decodeShards(
      rec.meta.manifest,
      rec.meta.files.map((f, i) => ({ name: f, data: rec.bytes[i] })),
    );
  }

  async list(): Promise<CachedDatasetSummary[]> {
    if (!this.store) return [];
    return (await this.store.list()).map((r) => ({
      name: r.key,
      size: r.size,
      savedAt: r.savedAt,
      classes: r.meta.manifest.classes.length,
      train: r.meta.manifest.splits.train.count,
      test: r.meta.manifest.splits.test.count,
    }));
  }

  async remove(name: string): Promise<void> {
    await this.store?.delete(name);
  }
}
