/**
 * The pre-trained runs the playground ships in public/runs/ (made by `npm run warm-start`,
 * src/cli/warmStart.ts): the index the page lists them from and opening one — its run bundle, whose
 * history is shown at once, and the checkpoint it continues from. Pure TypeScript (no DOM beyond
 * `fetch`, no TF.js).
 */
import { METHOD_NAMES, type MethodName } from '../core/config';
import { readRunBundle, type RunBundle } from '../export/runBundle';

/** Where the page finds the shipped runs (relative to the page). */
export const WARM_START_DIR = 'runs/';
/** Name of the checkpoint inside a shipped bundle's weights. */
export const WARM_START_CHECKPOINT = 'checkpoint.bin';

/** One shipped run, as listed in runs/index.json. */
export interface WarmStartEntry {
  method: MethodName;
  file: string;
  /** Steps trained (the checkpoint's step) and the run's step budget. */
  steps: number;
  budget: number;
  testAccQ: number;
  testAccK: number | null;
  objectKept: number | null;
  bytes: number;
}

/** A run file name inside runs/: letters, digits, dot, dash, underscore; no path. */
const FILE_NAME = /^[\w.-]+\.zip$/;

/**
 * Checks runs/index.json: a `{ version: 1, runs: [...] }` document whose entries name a known method,
 * a plain file name and finite numbers. Throws naming the entry and the field.
 */
export function parseWarmStartIndex(raw: unknown): WarmStartEntry[] {
  const fail = (m: string): never => {
    throw new Error(`runs/index.json: ${m}`);
  };
  if (raw === null || typeof raw !== 'object') fail('not a JSON object');
  const doc = raw as { version?: unknown; runs?: unknown };
  if (doc.version !== 1) fail(`version ${JSON.stringify(doc.version)} is not supported (expected 1)`);
  if (!Array.isArray(doc.runs)) fail('"runs" is not a list');
  return (doc.runs as unknown[]).map((r, i) => {
    const e = (r ?? {}) as Record<string, unknown>;
    const num = (k: string, nullable = false): number | null => {
      const v = e[k];
      if (nullable && v === null) return null;
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`runs[${i}].${k} must be a finite number`);
      return v as number;
    };
    if (!(METHOD_NAMES as readonly unknown[]).includes(e.method))
      fail(`runs[${i}].method is not a known method`);
    if (typeof e.file !== 'string' || !FILE_NAME.test(e.file))
      fail(`runs[${i}].file must be a .zip file name`);
    return {
      method: e.method as MethodName,
      file: e.file as string,
      steps: num('steps')!,
      budget: num('budget')!,
      testAccQ: num('testAccQ')!,
      testAccK: num('testAccK', true),
      objectKept: num('objectKept', true),
      bytes: num('bytes')!,
    };
  });
}

/** A shipped run opened: its bundle (history and configuration) and the checkpoint bytes. */
export interface ShippedRun {
  entry: WarmStartEntry;
  bundle: RunBundle;
  checkpoint: Uint8Array;
}

/** The bundle bytes of a shipped run → bundle + checkpoint; throws naming the file and the problem. */
export function readShippedRun(entry: WarmStartEntry, bytes: Uint8Array): ShippedRun {
  let bundle: RunBundle;
  try {
    bundle = readRunBundle(bytes);
  } catch (e) {
    throw new Error(`${WARM_START_DIR}${entry.file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const ckpt = bundle.weights.find((w) => w.name === WARM_START_CHECKPOINT);
  if (!ckpt) throw new Error(`${WARM_START_DIR}${entry.file}: it has no weights/${WARM_START_CHECKPOINT}`);
  return { entry, bundle, checkpoint: ckpt.data };
}

/** Fetches runs/index.json (an empty list when the page ships none). */
export async function fetchWarmStartIndex(base = WARM_START_DIR): Promise<WarmStartEntry[]> {
  const res = await fetch(`${base}index.json`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`${base}index.json: HTTP ${res.status}`);
  return parseWarmStartIndex(await res.json());
}

/** Fetches and opens one shipped run. */
export async function fetchShippedRun(entry: WarmStartEntry, base = WARM_START_DIR): Promise<ShippedRun> {
  const res = await fetch(`${base}${entry.file}`);
  if (!res.ok) throw new Error(`${base}${entry.file}: HTTP ${res.status}`);
  return readShippedRun(entry, new Uint8Array(await res.arrayBuffer()));
}
