/**
 * The data half of the browser benchmark (`npm run bench --part browser`), run by the worker through
 * the app's own loaders:
 *
 * - load time per dataset: cold (shapes generated; MNIST / Fashion-MNIST fetched and decoded from
 *   the `npm run data` shards by `loadShards`; CIFAR-10 parsed by `importUserData` from full-size
 *   binary files made here), the IndexedDB write, and the load from IndexedDB through
 *   `DatasetSource.load` (what a run does once a dataset is cached). The cache is a separate
 *   database, deleted afterwards, so the user's cache is never touched;
 * - per backend: batch assembly (gather + augment on the backend) against a SAMix step on each
 *   loaded dataset (core/batchBench.ts).
 */
import type { BackendName, RunConfig } from '../core/config';
import { timeAssembly } from '../core/batchBench';
import { generateShapes } from '../data/shapes';
import { syntheticCifarFiles } from '../data/syntheticCifar';
import type { ImageDataset } from '../data/types';
import { DatasetCache } from './datasetCache';
import { DatasetSource, loadShards } from './datasets';
import { describeLoaded, emptyAssemblyRow, emptyLoadRow } from './dataLoadRow';
import type { AssemblyRow, DataBenchResult, DataLoadRow } from './protocol';
import { decodeInWorker, importUserData } from './userData';

/** The benchmark's own IndexedDB database. */
export const DATA_BENCH_DB = 'samix-datasets-bench';

const DATASETS = ['shapes', 'mnist', 'fashion-mnist', 'cifar10'] as const;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const noProgress = (): void => undefined;

export class DataBench {
  private readonly loads: DataLoadRow[] = [];
  private readonly assembly: AssemblyRow[] = [];
  private readonly loaded: ImageDataset[] = [];

  private constructor(private readonly now: () => number) {}

  /** Measures every dataset's loads; keeps the datasets for {@link measureOn}. */
  static async load(config: RunConfig, now: () => number, base: string): Promise<DataBench> {
    const bench = new DataBench(now);
    const cache = await DatasetCache.open(undefined, DATA_BENCH_DB);
    const source = new DatasetSource(Promise.resolve(cache), base, noProgress);
    for (const name of DATASETS) {
      const row = emptyLoadRow(name);
      try {
        let ds: ImageDataset;
        if (name === 'cifar10') {
          const files = syntheticCifarFiles().map((f) => new File([f.data as BlobPart], f.name));
          const t0 = now();
          ds = await importUserData(
            { kind: 'cifar10', files },
            { size: 32, channels: 3 },
            noProgress,
            decodeInWorker,
          );
          row.coldMs = now() - t0;
        } else {
          const t0 = now();
          ds = name === 'shapes' ? generateShapes() : await loadShards(name, base, noProgress);
          row.coldMs = now() - t0;
        }
        describeLoaded(row, ds);
        bench.loaded.push(ds);
        if (name !== 'shapes') {
          // shapes is generated on every load and never cached.
          const t1 = now();
          await cache.save(ds);
          row.cacheWriteMs = now() - t1;
          const t2 = now();
          const again = await source.load({ ...config, dataset: name }, noProgress);
          row.cachedMs = now() - t2;
          if (again.train.count !== ds.train.count) throw new Error('the cached copy differs');
          await cache.remove(name);
        }
      } catch (e) {
        row.error = message(e);
      }
      bench.loads.push(row);
    }
    return bench;
  }

  /** Batch assembly vs a SAMix step on every loaded dataset, on the active backend. */
  async measureOn(
    backend: BackendName,
    backendError: string,
    o: { batch: number; width: number; steps: number },
  ): Promise<void> {
    for (const ds of this.loaded) {
      const row = emptyAssemblyRow(backend, ds.name, backendError);
      if (!backendError) {
        try {
          Object.assign(row, await timeAssembly(ds, { ...o, now: this.now }));
        } catch (e) {
          row.error = message(e);
        }
      }
      this.assembly.push(row);
    }
  }

  result(): DataBenchResult {
    return { loads: this.loads, assembly: this.assembly };
  }
}
