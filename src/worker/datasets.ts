/**
 * Where a run's dataset comes from inside the worker: `shapes` is generated from its fixed seed (no
 * download); MNIST and Fashion-MNIST come from the shards `npm run data` writes under public/data;
 * CIFAR-10, image folders and IDX files come from what the user imported. Everything loaded is kept
 * in IndexedDB (DatasetCache); a corrupt cache entry is dropped and, where possible, reloaded.
 */
import type { RunConfig } from '../core/config';
import { generateShapes } from '../data/shapes';
import { decodeShards, type ShardManifest } from '../data/shards';
import { DataError, type ImageDataset } from '../data/types';
import type { DatasetCache } from './datasetCache';
import type { Progress } from './userData';

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new DataError(url, `HTTP ${res.status} ${res.statusText}`.trim());
  return new Uint8Array(await res.arrayBuffer());
}

export async function loadShards(name: string, base: string, progress: Progress): Promise<ImageDataset> {
  const manifestUrl = `${base}data/${name}/manifest.json`;
  const res = await fetch(manifestUrl);
  if (!res.ok) {
    throw new DataError(
      manifestUrl,
      `dataset "${name}" is not installed (HTTP ${res.status}); run \`npm run data\` and reload`,
    );
  }
  const manifest = (await res.json()) as ShardManifest;
  const splits = Object.values(manifest.splits);
  const names = splits.flatMap((s) => [s.images, s.labels, ...(s.masks ? [s.masks] : [])]);
  const total = splits.reduce((a, s) => a + Object.values(s.bytes).reduce((x, y) => x + y, 0), 0);
  let loaded = 0;
  const files = [];
  for (const f of names) {
    const data = await fetchBytes(`${base}data/${name}/${f}`);
    loaded += data.byteLength;
    progress(`loading ${name}`, loaded, total);
    files.push({ name: f, data });
  }
  return decodeShards(manifest, files);
}

export class DatasetSource {
  /** User imports of this session, by dataset name (also in the cache). */
  private readonly imported = new Map<string, ImageDataset>();

  constructor(
    private readonly cache: Promise<DatasetCache>,
    private readonly base: string,
    /** Called with a message when a cache entry was corrupt and had to be dropped. */
    private readonly onNote: (message: string) => void,
    /** Called after a run's load added a dataset to the cache (the page refreshes its list). */
    private readonly onCached: () => void = () => undefined,
  ) {}

  /**
   * Keeps an imported dataset for runs (memory and IndexedDB). When it cannot be cached (storage
   * full), it stays usable for this session and the note says so.
   */
  async addImported(ds: ImageDataset): Promise<void> {
    this.imported.set(ds.name, ds);
    try {
      await (await this.cache).save(ds);
    } catch (e) {
      this.onNote(
        `${ds.name} is loaded for this session but could not be cached (${e instanceof Error ? e.message : String(e)}).`,
      );
    }
  }

  /** Forgets a dataset: this session's import and its cache entry. */
  async remove(name: string): Promise<void> {
    this.imported.delete(name);
    await (await this.cache).remove(name);
  }

  async load(config: RunConfig, progress: Progress): Promise<ImageDataset> {
    const name = config.dataset;
    if (name === 'shapes') return generateShapes();
    const mem = this.imported.get(name);
    if (mem) return mem;
    const cache = await this.cache;
    try {
      progress(`reading ${name} from the cache`, 0, 1);
      const cached = await cache.load(name);
      progress(`reading ${name} from the cache`, 1, 1);
      if (cached) return cached;
    } catch (e) {
      await cache.remove(name);
      this.onNote(
        `The cached copy of ${name} was unreadable and has been removed (${e instanceof Error ? e.message : String(e)}).`,
      );
    }
    if (name === 'mnist' || name === 'fashion-mnist') {
      const ds = await loadShards(name, this.base, progress);
      await cache
        .save(ds)
        .then(this.onCached, (e: unknown) => this.onNote(`Could not cache ${name}: ${String(e)}`));
      return ds;
    }
    throw new DataError(name, 'no data imported yet: choose the files in the Datasets panel first');
  }
}
