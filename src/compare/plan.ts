/**
 * Turns "these methods, this many seeds, this shared configuration" into the queue of runs of a
 * comparison. Every method of one seed gets the identical configuration apart from `method`, so
 * the runs differ only in what is being compared. Pure TypeScript (no TF.js).
 */
import { ConfigError, METHOD_NAMES, parseConfig, type MethodName, type RunConfig } from '../core/config';
import type { CompareEntry } from './types';

/** Largest number of seeds per comparison (a queue of methods × seeds runs). */
export const MAX_SEEDS = 100;

/** Checks a method list: non-empty, known names, no repeats. Throws a ConfigError (field `methods`). */
function checkMethods(names: readonly string[]): MethodName[] {
  const bad = (message: string): never => {
    throw new ConfigError([{ field: 'methods', message }]);
  };
  if (names.length === 0) bad(`methods must list at least one of ${METHOD_NAMES.join(', ')}`);
  for (const n of names) {
    if (!(METHOD_NAMES as readonly string[]).includes(n)) {
      bad(`methods must be among ${METHOD_NAMES.join(', ')}; got ${JSON.stringify(n)}`);
    }
  }
  const dup = names.find((m, i) => names.indexOf(m) !== i);
  if (dup !== undefined) bad(`methods lists ${dup} twice`);
  return [...names] as MethodName[];
}

/**
 * Plans a comparison: for each seed `base.seed, base.seed + 1, …` (outer loop) every method in the
 * given order (inner loop), so a complete first seed of every method is available early.
 *
 * Each configuration is `base` with `method` and `seed` replaced, checked with `parseConfig`.
 * α is taken over unchanged: when `base.alpha` is 0 every method uses its own default α
 * (`effectiveAlpha`), otherwise all methods share `base.alpha`. The same holds for
 * `maskLossMode` ('' = the method's default).
 *
 * Labels are the method name, or `${method} s${seed}` when there are several seeds.
 *
 * @throws ConfigError naming the field (`methods`, `seeds`, or a RunConfig field such as `seed`
 *   or `batch`) when a value is out of range.
 */
export function planComparison(base: RunConfig, methods: MethodName[], seeds: number): CompareEntry[] {
  checkMethods(methods);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > MAX_SEEDS) {
    throw new ConfigError([
      {
        field: 'seeds',
        message: `seeds must be an integer in [1, ${MAX_SEEDS}]; got ${JSON.stringify(seeds)}`,
      },
    ]);
  }
  const entries: CompareEntry[] = [];
  for (let s = 0; s < seeds; s++) {
    const seed = base.seed + s;
    for (const method of methods) {
      const config = parseConfig({ ...base, method, seed });
      entries.push({ label: seeds > 1 ? `${method} s${seed}` : method, method, seed, config });
    }
  }
  return entries;
}

/**
 * Parses a comma-separated method list (`erm,mixup,cutmix,samix`; spaces and case ignored).
 * @throws ConfigError (field `methods`) naming the unknown or repeated name and the allowed values.
 */
export function parseMethodList(text: string): MethodName[] {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  return checkMethods(names);
}

/**
 * Parses a seed count (`3`).
 * @throws ConfigError (field `seeds`) unless it is an integer in [1, MAX_SEEDS].
 */
export function parseSeedCount(text: string): number {
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_SEEDS) {
    throw new ConfigError([
      {
        field: 'seeds',
        message: `seeds must be an integer in [1, ${MAX_SEEDS}]; got ${JSON.stringify(text)}`,
      },
    ]);
  }
  return n;
}
