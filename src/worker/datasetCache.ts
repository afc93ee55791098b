/**
 * Loaded datasets are kept in IndexedDB as shards (the `npm run data` format: uint8 files plus a
 * manifest with checksums), so a reload or the next run starts without reading or downloading
 * again. A corrupt cache entry is reported, deleted and reloaded from its source.
 *
 * Browsers cap one IndexedDB value (Chromium: ~127 MiB, and the same for one `getAll` answer), and
 * CIFAR-10 alone is 176 MiB, so an entry is its own small record (manifest, file sizes, part count;
 * no bytes) plus `<name>#part<k>` records of at most `partBytes` each. Listing reads only the small
 * records. The parts are written first and the entry's record last, so an interrupted save leaves no
 * entry; a missing part is reported like a corrupt file. (Entries of the first format, one record
 * with one buffer per file, still load.)
 */
import { decodeShards, encodeShards, type ShardManifest } from '../data/shards';
import { DataError, type ImageDataset } from '../data/types';
import { KvStore } from '../storage/kv';

export interface CachedDatasetMeta {
  manifest: ShardManifest;
  /** File names of the shards, in order. */
  files: string[];
  /** Byte length of each file; absent in first-format entries (one buffer per file in the record). */
  sizes?: number[];
  /** The `<name>#part<k>` records holding the bytes, k = 1..parts. */
  parts?: number;
}

/** Meta of an extra record: the entry it belongs to. */
interface PartMeta {
  partOf: string;
}

type StoredMeta = CachedDatasetMeta | PartMeta;

export interface CachedDatasetSummary {
  name: string;
  size: number;
  savedAt: number;
  classes: number;
  train: number;
  test: number;
}

const DB_NAME = 'samix-datasets';

/** Largest record written (well under Chromium's per-value limit). */
export const PART_BYTES = 64 * 2 ** 20;

const partKey = (name: string, k: number): string => `${name}#part${k}`;

const isPart = (m: StoredMeta): m is PartMeta => 'partOf' in m;

/**
 * A view that owns its whole buffer: IndexedDB clones a typed array's ENTIRE underlying buffer, so a
 * 64 MiB view of a 150 MiB buffer would be stored as 150 MiB (and exceed the per-value limit).
 */
const compact = (v: Uint8Array): Uint8Array =>
  v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v : v.slice();

/** Cuts the files into groups of segments of at most `max` bytes in total each. */
function cut(files: Uint8Array[], max: number): Uint8Array[][] {
  const groups: Uint8Array[][] = [[]];
  let used = 0;
  for (const f of files) {
    for (let o = 0; o < f.byteLength;) {
      if (used === max) {
        groups.push([]);
        used = 0;
      }
      const n = Math.min(max - used, f.byteLength - o);
      groups[groups.length - 1].push(f.subarray(o, o + n));
      used += n;
      o += n;
    }
  }
  return groups;
}

/** Rebuilds files of the given sizes from consecutive segments (no copy when a segment is a file). */
function join(segments: Uint8Array[], sizes: number[], name: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let s = 0;
  for (const size of sizes) {
    if (segments[s]?.byteLength === size) {
      out.push(segments[s++]);
      continue;
    }
    const file = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const seg = segments[s++];
      if (!seg || at + seg.byteLength > size)
        throw new DataError(`${name} (cached)`, 'the cached parts do not add up; the entry is damaged');
      file.set(seg, at);
      at += seg.byteLength;
    }
    out.push(file);
  }
  return out;
}

export class DatasetCache {
  private constructor(
    private readonly store: KvStore<StoredMeta> | null,
    private readonly partBytes: number,
  ) {}

  /**
   * Opens the cache; where IndexedDB is unavailable, a cache that stores nothing.
   * @param dbName another database than the app's (the benchmark's, so it never touches the user's)
   * @param partBytes largest record (tests use a small one)
   */
  static async open(idb?: IDBFactory, dbName = DB_NAME, partBytes = PART_BYTES): Promise<DatasetCache> {
    try {
      return new DatasetCache(await KvStore.open<StoredMeta>(dbName, idb ?? globalThis.indexedDB), partBytes);
    } catch {
      return new DatasetCache(null, partBytes);
    }
  }

  async save(ds: ImageDataset): Promise<void> {
    if (!this.store) return;
    const { manifest, files } = encodeShards(ds);
    await this.remove(ds.name); // an older entry may have more parts
    const groups = cut(
      files.map((f) => f.data),
      this.partBytes,
    );
    const meta: CachedDatasetMeta = {
      manifest,
      files: files.map((f) => f.name),
      sizes: files.map((f) => f.data.byteLength),
      parts: groups.length,
    };
    let written = 0;
    try {
      for (let k = 1; k <= groups.length; k++, written++)
        await this.store.put(partKey(ds.name, k), { partOf: ds.name }, groups[k - 1].map(compact));
      await this.store.put(ds.name, meta, []);
    } catch (e) {
      // No entry was written: drop the parts that were, so they do not hold storage.
      for (let k = 1; k <= written; k++) await this.store.delete(partKey(ds.name, k)).catch(() => undefined);
      throw e;
    }
  }

  /** The cached dataset, or null when absent. Throws a DataError when the entry is corrupt. */
  async load(name: string): Promise<ImageDataset | null> {
    const rec = await this.store?.get(name);
    if (!rec || isPart(rec.meta)) return null;
    const meta = rec.meta;
    let data = rec.bytes;
    if (meta.sizes) {
      const segments = [...rec.bytes];
      for (let k = 1; k <= (meta.parts ?? 0); k++) {
        const part = await this.store!.get(partKey(name, k));
        if (!part) throw new DataError(`${name} (cached)`, `part ${k} of ${meta.parts} is missing`);
        segments.push(...part.bytes);
      }
      data = join(segments, meta.sizes, name);
    }
    return decodeShards(
      meta.manifest,
      meta.files.map((f, i) => ({ name: f, data: data[i] })),
    );
  }

  /** Every entry with its size, reading only the entries' own (small) records. */
  async list(): Promise<CachedDatasetSummary[]> {
    if (!this.store) return [];
    const out: CachedDatasetSummary[] = [];
    for (const key of await this.store.keys()) {
      if (/#part\d+$/.test(key)) continue;
      const r = await this.store.get(key);
      if (!r || isPart(r.meta)) continue;
      const m = r.meta;
      out.push({
        name: key,
        size: m.sizes ? m.sizes.reduce((a, b) => a + b, 0) : r.bytes.reduce((a, b) => a + b.byteLength, 0),
        savedAt: r.savedAt,
        classes: m.manifest.classes.length,
        train: m.manifest.splits.train.count,
        test: m.manifest.splits.test.count,
      });
    }
    return out;
  }

  /** Deletes an entry and its parts. */
  async remove(name: string): Promise<void> {
    if (!this.store) return;
    const rec = await this.store.get(name);
    const parts = rec && !isPart(rec.meta) ? (rec.meta.parts ?? 0) : 0;
    await this.store.delete(name); // first, so a half-removed entry is never loaded
    for (let k = 1; k <= parts; k++) await this.store.delete(partKey(name, k));
  }
}
