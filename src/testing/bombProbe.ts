/**
 * Child-process probe for src/data/memoryBombs.test.ts: loads one input through one of the app's
 * real entry points — `node:<dataset>` (the headless loader, loadDatasetNode) or `worker:<kind>`
 * (the worker's importUserData, with the browser's image decoder, run in Node) — and prints one JSON
 * line: the error message (or null when it loaded) and the process's peak resident memory (VmHWM
 * from /proc/self/status, MiB). A fresh process per input, so the peak is this input's.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { loadDatasetNode } from '../data/nodeLoad';
import { decodeInWorker, importUserData, type UserDataSource } from '../worker/userData';

function peakMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const asFile = (path: string, name = basename(path)): File => new File([readFileSync(path)], name);

async function load(entry: string, path: string): Promise<void> {
  const [where, kind] = entry.split(':');
  if (where === 'node') {
    await loadDatasetNode(kind, { dataPath: path });
    return;
  }
  let source: UserDataSource;
  if (kind === 'cifar10') source = { kind: 'cifar10', files: [asFile(path)] };
  else if (kind === 'zip') source = { kind: 'zip', file: asFile(path) };
  else if (kind === 'images')
    source = {
      kind: 'images',
      files: walk(path).map((p) => ({ path: relative(join(path, '..'), p), file: asFile(p) })),
    };
  else throw new Error(`unknown entry ${entry}`);
  await importUserData(source, { size: 32, channels: 3 }, () => undefined, decodeInWorker);
}

async function main(): Promise<void> {
  const [entry, path] = process.argv.slice(2);
  let error: string | null = null;
  try {
    await load(entry, path);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  process.stdout.write(`${JSON.stringify({ error, peakMiB: peakMiB() })}\n`);
}

void main();
