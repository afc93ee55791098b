/**
 * The data figures of `npm run bench` (Node part; the browser part is worker/benchData.ts):
 *
 * - load time per dataset with the loaders `npm run train` uses (data/nodeLoad.ts): shapes
 *   generated, MNIST / Fashion-MNIST from the `public/data` shards, CIFAR-10 parsed from full-size
 *   binary files written to a temporary directory first (the write is not timed);
 * - per backend (wasm, and cpu when asked): the time to assemble a training batch (gather + crop/flip
 *   on the backend, core/batchBench.ts) against a SAMix step on the same dataset — the assembly must
 *   stay under 5 % of the step.
 *
 * Also formats the tables for both parts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { timeAssembly } from '../core/batchBench';
import { loadDatasetNode } from '../data/nodeLoad';
import { syntheticCifarFiles } from '../data/syntheticCifar';
import type { ImageDataset } from '../data/types';
import { describeLoaded, emptyAssemblyRow, emptyLoadRow } from '../worker/dataLoadRow';
import type { AssemblyRow, DataBenchResult, DataLoadRow } from '../worker/protocol';

/** Assembly must stay under this share of a SAMix step. */
export const ASSEMBLY_BUDGET = 0.05;

export interface NodeDataBenchArgs {
  batch: number;
  width: number;
  /** Timed SAMix steps per dataset and backend. */
  steps: number;
  backends: Array<'wasm' | 'cpu'>;
  log: (line: string) => void;
}

const message = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0] : String(e));

async function loadTimed(
  name: string,
  dataPath?: string,
): Promise<{ row: DataLoadRow; ds: ImageDataset | null }> {
  const row = emptyLoadRow(name);
  try {
    const t0 = performance.now();
    const ds = await loadDatasetNode(name, { dataPath });
    row.coldMs = performance.now() - t0;
    describeLoaded(row, ds);
    return { row, ds };
  } catch (e) {
    row.error = message(e);
    return { row, ds: null };
  }
}

export async function runNodeDataBench(a: NodeDataBenchArgs): Promise<DataBenchResult> {
  const loads: DataLoadRow[] = [];
  const loaded: ImageDataset[] = [];
  const keep = ({ row, ds }: { row: DataLoadRow; ds: ImageDataset | null }): void => {
    loads.push(row);
    if (ds) loaded.push(ds);
    a.log(`  ${row.dataset}: ${row.error || `${row.coldMs.toFixed(0)} ms`}`);
  };
  a.log('dataset loads (Node):');
  for (const name of ['shapes', 'mnist', 'fashion-mnist']) keep(await loadTimed(name));
  const dir = mkdtempSync(join(tmpdir(), 'samix-bench-cifar-'));
  try {
    for (const f of syntheticCifarFiles()) writeFileSync(join(dir, f.name), f.data);
    keep(await loadTimed('cifar10', dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const assembly: AssemblyRow[] = [];
  for (const backend of a.backends) {
    await tf.setBackend(backend);
    await tf.ready();
    for (const ds of loaded) {
      const row = emptyAssemblyRow(backend, ds.name);
      try {
        Object.assign(row, await timeAssembly(ds, { batch: a.batch, width: a.width, steps: a.steps }));
      } catch (e) {
        row.error = message(e);
      }
      a.log(
        `  ${backend} ${ds.name}: ${row.error || `${row.assemblyMs.toFixed(2)} ms/batch vs ${row.samixStepMs.toFixed(0)} ms/step`}`,
      );
      assembly.push(row);
    }
  }
  return { loads, assembly };
}

function fmt(c: string | number): string {
  if (typeof c === 'string') return c;
  if (!Number.isFinite(c)) return '–';
  return Math.abs(c) >= 100 ? c.toFixed(0) : c.toFixed(2);
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(fmt))];
  const w = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(w[i]))
      .join('  ')
      .trimEnd();
  return [line(cells[0]), w.map((n) => '-'.repeat(n)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** The load table and the assembly table (with the ratio and the < 5 % verdict). */
export function formatDataBench(r: DataBenchResult): string {
  const loads = table(
    ['dataset', 'train/test', 'MB', 'cold ms', 'IndexedDB write ms', 'IndexedDB load ms', 'error'],
    r.loads.map((l) => [
      l.dataset,
      l.train > 0 ? `${l.train}/${l.test}` : '',
      l.bytes / 2 ** 20,
      l.coldMs,
      l.cacheWriteMs,
      l.cachedMs,
      l.error,
    ]),
  );
  const assembly = table(
    [
      'backend',
      'dataset',
      'resident',
      'upload ms',
      'assembly ms/batch',
      'SAMix ms/step',
      'assembly/step',
      '< 5%',
      'error',
    ],
    r.assembly.map((s) => [
      s.backend,
      s.dataset,
      s.error ? '' : String(s.resident),
      s.uploadMs,
      s.assemblyMs,
      s.samixStepMs,
      Number.isFinite(s.ratio) ? `${(100 * s.ratio).toFixed(2)}%` : '–',
      Number.isFinite(s.ratio) ? (s.ratio < ASSEMBLY_BUDGET ? 'yes' : 'NO') : '',
      s.error,
    ]),
  );
  return `${loads}\n\n${assembly}`;
}
