/**
 * Schema checks for what a run bundle carries besides its configuration: the numbers of
 * metrics.json / metrics.csv / evals.csv and the mask history's history.json. Every value is checked
 * for type, finiteness and range before the app builds anything from it, and a failure names the
 * file and the field (a 0×0 probe image, an accuracy of 16, a step of -3 never reach a chart or an
 * ImageData). Pure TypeScript.
 */
import { strictNumber } from '../core/config';
import type { EvalResult } from '../core/trainerTypes';
import type { HistoryJson } from './history';

/** A bundle that cannot be read, with the reason (the file, the field, what was expected). */
export class RunBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunBundleError';
  }
}

/** Probe images are dataset images (at most 64 px a side in this app): anything larger is not ours. */
export const MAX_PROBE_SIDE = 256;
/** Probe pairs per probe, and frames in one history. */
export const MAX_PROBE_PAIRS = 16;
export const MAX_FRAMES = 10_000;
/** Class labels are 0..K−1 with K ≤ 100 (src/data/limits.ts). */
const MAX_LABEL = 99;
/** The object-kept score is a sum of two shares in [0, 1]. */
const MAX_OBJECT_KEPT = 2;

const fail = (where: string, what: string, v: unknown): never => {
  throw new RunBundleError(
    `${where}: ${what}; got ${typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v))}`,
  );
};

/**
 * A number as the writer stores it: a JSON number, the strings "NaN" / "Infinity" / "-Infinity"
 * (non-finite values), or a decimal string (CSV cells). Hex, blanks and other text are refused.
 */
export function bundleNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  const n = strictNumber(v);
  if (Number.isFinite(n)) return n;
  return fail(where, 'expected a number', v);
}

/** A whole number in [min, max]. */
export function intIn(v: unknown, min: number, max: number, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(where, `expected a whole number from ${min} to ${max}`, v);
  return v as number;
}

/** A number in [min, max], or NaN (a value the run did not compute). */
function inRangeOrNaN(v: number, min: number, max: number, where: string): number {
  if (Number.isNaN(v)) return v;
  if (!(v >= min && v <= max)) fail(where, `expected a number from ${min} to ${max} (or NaN)`, v);
  return v;
}

/** The evaluations of evals.csv: steps ≥ 1 in increasing order, accuracies in [0, 1], kept in [0, 2]. */
export function checkEvals(evals: EvalResult[], file = 'evals.csv'): EvalResult[] {
  let prev = 0;
  evals.forEach((e, i) => {
    const where = `${file} line ${i + 2}`;
    intIn(e.step, 1, Number.MAX_SAFE_INTEGER, `${where} column step`);
    if (e.step <= prev)
      fail(`${where} column step`, `expected steps in increasing order (after ${prev})`, e.step);
    prev = e.step;
    inRangeOrNaN(e.testAccQ, 0, 1, `${where} column testAccQ`);
    inRangeOrNaN(e.testAccK, 0, 1, `${where} column testAccK`);
    if (e.objectKept !== undefined)
      inRangeOrNaN(e.objectKept, 0, MAX_OBJECT_KEPT, `${where} column objectKept`);
  });
  return evals;
}

/** The step of every metrics row: a whole number ≥ 1, increasing. */
export function checkSteps(steps: number[], file: string): void {
  let prev = 0;
  steps.forEach((s, i) => {
    intIn(s, 1, Number.MAX_SAFE_INTEGER, `${file} entry ${i} field step`);
    if (s <= prev)
      fail(`${file} entry ${i} field step`, `expected steps in increasing order (after ${prev})`, s);
    prev = s;
  });
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function arrayOf(v: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(v)) return fail(where, 'expected an array', v);
  if (v.length > max) fail(where, `expected at most ${max} entries`, `${v.length} entries`);
  return v;
}

function numbers(v: unknown, where: string, min: number, max: number): number[] {
  return arrayOf(v, where, MAX_PROBE_PAIRS).map((x, i) =>
    inRangeOrNaN(bundleNumber(x, `${where}[${i}]`), min, max, `${where}[${i}]`),
  );
}

/**
 * history.json checked field by field: version 1, probe images of 1..MAX_PROBE_SIDE pixels a side
 * with 1 or 3 channels, pairs of image indices, labels and λ ∈ [0, 1], frames with a known pair key,
 * one λ and object-kept share per pair. @throws RunBundleError naming the field
 */
export function checkHistoryJson(raw: unknown, file = 'history.json'): HistoryJson {
  if (!isObject(raw)) return fail(file, 'expected an object', raw);
  if (raw.version !== 1) fail(`${file} version`, 'expected 1 (the only history version)', raw.version);
  const probes = arrayOf(raw.probes, `${file} probes`, MAX_FRAMES).map((p, i) => {
    const where = `${file} probes[${i}]`;
    if (!isObject(p)) return fail(where, 'expected an object', p);
    if (typeof p.pairKey !== 'string') fail(`${where}.pairKey`, 'expected a string', p.pairKey);
    const pairs = arrayOf(p.pairs, `${where}.pairs`, MAX_PROBE_PAIRS).map((q, k) => {
      const at = `${where}.pairs[${k}]`;
      if (!isObject(q)) return fail(at, 'expected an object', q);
      return {
        indexA: intIn(q.indexA, 0, Number.MAX_SAFE_INTEGER, `${at}.indexA`),
        indexB: intIn(q.indexB, 0, Number.MAX_SAFE_INTEGER, `${at}.indexB`),
        labelA: intIn(q.labelA, 0, MAX_LABEL, `${at}.labelA`),
        labelB: intIn(q.labelB, 0, MAX_LABEL, `${at}.labelB`),
        lam: inRangeOrNaN(bundleNumber(q.lam, `${at}.lam`), 0, 1, `${at}.lam`),
      };
    });
    const channels = intIn(p.channels, 1, 3, `${where}.channels`);
    if (channels === 2) fail(`${where}.channels`, 'expected 1 (gray) or 3 (RGB)', channels);
    return {
      pairKey: p.pairKey as string,
      step: intIn(p.step, 0, Number.MAX_SAFE_INTEGER, `${where}.step`),
      width: intIn(p.width, 1, MAX_PROBE_SIDE, `${where}.width`),
      height: intIn(p.height, 1, MAX_PROBE_SIDE, `${where}.height`),
      channels,
      pairs,
    };
  });
  const pairsOf = new Map(probes.map((p) => [p.pairKey, p.pairs.length]));
  const frames = arrayOf(raw.frames, `${file} frames`, MAX_FRAMES).map((f, i) => {
    const where = `${file} frames[${i}]`;
    if (!isObject(f)) return fail(where, 'expected an object', f);
    const n = typeof f.pairKey === 'string' ? pairsOf.get(f.pairKey) : undefined;
    if (n === undefined)
      return fail(`${where}.pairKey`, 'expected the pairKey of one of the probes', f.pairKey);
    const frame = {
      step: intIn(f.step, 0, Number.MAX_SAFE_INTEGER, `${where}.step`),
      pairKey: f.pairKey as string,
      lamEff: numbers(f.lamEff, `${where}.lamEff`, 0, 1),
      objectKeptA: numbers(f.objectKeptA, `${where}.objectKeptA`, 0, 1),
      objectKeptB: numbers(f.objectKeptB, `${where}.objectKeptB`, 0, 1),
    };
    for (const key of ['lamEff', 'objectKeptA', 'objectKeptB'] as const)
      if (frame[key].length !== n)
        fail(`${where}.${key}`, `expected ${n} values, one per probe pair`, frame[key]);
    return frame;
  });
  return { version: 1, frames, probes };
}
