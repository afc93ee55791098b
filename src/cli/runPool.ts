/**
 * Runs many headless training runs (comparison entries on named datasets) on `jobs` Node processes
 * at once: the ranking's scheduler. With one job everything runs in this process; with more, each
 * job is a child process (this file, forked with `child` as its argument) that loads each dataset
 * once and takes the next entry whenever it finishes one, so expensive and cheap runs pack well.
 *
 * Every run goes through `runComparison` (src/compare/runner.ts) with a real `Trainer`, exactly as
 * `npm run compare` runs it; results come back as `CompareRunResult`s, in the entries' order.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RankingEntry } from '../compare/ranking';
import { runComparison } from '../compare/runner';
import type { CompareRunResult } from '../compare/types';
import { Trainer } from '../core/trainer';
import { loadDatasetNode } from '../data/nodeLoad';
import type { ImageDataset } from '../data/types';

export interface PoolOptions {
  jobs: number;
  backend: 'wasm' | 'cpu';
  /** Steps per readback. */
  reportEvery: number;
}

/** What the pool reports while it works: `done` of `total` steps of entry `index`, and each result. */
export interface PoolHooks {
  onProgress?(index: number, step: number, total: number): void;
  onResult?(index: number, result: CompareRunResult): void;
}

type ToChild = { type: 'run'; index: number; entry: RankingEntry } | { type: 'exit' };
type FromChild =
  | { type: 'ready' }
  | { type: 'progress'; index: number; step: number; total: number }
  | { type: 'result'; index: number; result: CompareRunResult }
  | { type: 'failed'; message: string };

/** Runs entries one after another in this process (datasets loaded once each). */
class LocalRunner {
  private readonly datasets = new Map<string, Promise<ImageDataset>>();
  constructor(private readonly opts: Pick<PoolOptions, 'backend' | 'reportEvery'>) {}

  async init(): Promise<void> {
    if (!(await tf.setBackend(this.opts.backend)) || tf.getBackend() !== this.opts.backend) {
      throw new Error(`backend ${this.opts.backend} failed to start`);
    }
  }

  private dataset(name: string): Promise<ImageDataset> {
    let ds = this.datasets.get(name);
    if (!ds) {
      ds = loadDatasetNode(name);
      this.datasets.set(name, ds);
    }
    return ds;
  }

  async run(
    entry: RankingEntry,
    onProgress: (step: number, total: number) => void,
  ): Promise<CompareRunResult> {
    const ds = await this.dataset(entry.dataset);
    let result: CompareRunResult | null = null;
    await runComparison(
      [entry],
      {
        createTrainer: (config) => new Trainer(config, ds),
        now: () => performance.now(),
        yieldNow: () => new Promise<void>((r) => setImmediate(r)),
        shouldStop: () => false,
      },
      { onProgress: (_i, step, total) => onProgress(step, total), onResult: (_i, r) => (result = r) },
      { reportEvery: this.opts.reportEvery },
    );
    return result!;
  }
}

/** Runs `entries` on `opts.jobs` processes; resolves to their results in the entries' order. */
export async function runPool(
  entries: RankingEntry[],
  opts: PoolOptions,
  hooks: PoolHooks = {},
): Promise<CompareRunResult[]> {
  const results: CompareRunResult[] = new Array(entries.length);
  const record = (i: number, r: CompareRunResult): void => {
    results[i] = r;
    hooks.onResult?.(i, r);
  };
  if (opts.jobs <= 1 || entries.length <= 1) {
    const local = new LocalRunner(opts);
    await local.init();
    for (let i = 0; i < entries.length; i++) {
      record(i, await local.run(entries[i], (s, t) => hooks.onProgress?.(i, s, t)));
    }
    return results;
  }
  let next = 0;
  const self = fileURLToPath(import.meta.url);
  const child = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const proc: ChildProcess = fork(self, ['child', opts.backend, String(opts.reportEvery)], {
        execArgv: ['--import', 'tsx'], // the TypeScript loader (also when called from a test runner)
        serialization: 'advanced', // structured clone: NaN accuracies stay NaN
      });
      const send = (m: ToChild): void => void proc.send(m);
      const feed = (): void => {
        if (next < entries.length) {
          const index = next++;
          send({ type: 'run', index, entry: entries[index] });
        } else send({ type: 'exit' });
      };
      proc.on('message', (raw) => {
        const m = raw as FromChild;
        if (m.type === 'ready') feed();
        else if (m.type === 'progress') hooks.onProgress?.(m.index, m.step, m.total);
        else if (m.type === 'result') {
          record(m.index, m.result);
          feed();
        } else reject(new Error(`a run process failed: ${m.message}`));
      });
      proc.on('error', reject);
      proc.on('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`a run process exited with code ${code}`)),
      );
    });
  await Promise.all(Array.from({ length: Math.min(opts.jobs, entries.length) }, child));
  return results;
}

/** The child process: runs what the parent sends, one entry at a time. */
async function childMain(backend: 'wasm' | 'cpu', reportEvery: number): Promise<void> {
  const send = (m: FromChild): void => void process.send!(m);
  const local = new LocalRunner({ backend, reportEvery });
  try {
    await local.init();
  } catch (e) {
    send({ type: 'failed', message: (e as Error).message });
    process.exit(1);
  }
  process.on('message', (raw) => {
    const m = raw as ToChild;
    if (m.type === 'exit') process.exit(0);
    let last = 0;
    local
      .run(m.entry, (step, total) => {
        const t = performance.now();
        if (t - last < 2000 && step < total) return;
        last = t;
        send({ type: 'progress', index: m.index, step, total });
      })
      .then(
        (result) => send({ type: 'result', index: m.index, result }),
        (e: unknown) => send({ type: 'failed', message: (e as Error).message }),
      );
  });
  send({ type: 'ready' });
}

if (process.argv[2] === 'child' && process.send && fileURLToPath(import.meta.url) === process.argv[1]) {
  void childMain(process.argv[3] === 'cpu' ? 'cpu' : 'wasm', Number(process.argv[4]) || 10);
}
