/**
 * The one argument parser of the headless commands: `--kebab-case value` or `--flag=value` pairs
 * mapped to camelCase keys, bare boolean flags, `--help`, RunConfig fields validated through
 * `validateConfig` with messages that name the flag, and a one-line `UsageError` for anything wrong
 * (the commands exit with code 2; `runCommand` does that for every command). Node-only helpers
 * (reads files); no TF.js.
 */
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  FIELD_RULES,
  settingsEntries,
  strictNumber,
  validateConfig,
  type RunConfig,
} from '../core/config';

/** A bad flag or value: the command prints this one line and exits with code 2. */
export class UsageError extends Error {}

/** `--help` / `-h`: the command prints its help text and exits with code 0. */
export class HelpRequest extends Error {}

/** Every RunConfig field, in FIELD_RULES order. */
export const CONFIG_KEYS = Object.keys(FIELD_RULES) as Array<keyof RunConfig>;

/** `mixerLrMin` → `mixer-lr-min`, `cleanCE` → `clean-ce`. */
export const kebab = (camel: string): string => camel.replace(/([a-z0-9])([A-Z]+)/g, '$1-$2').toLowerCase();

/** The flag of a key: `--mixer-lr-min`. */
export const flagOf = (key: string): string => `--${kebab(key)}`;

/** Maps `--kebab` flags to their camelCase keys. */
export function flagTable(keys: readonly string[]): Map<string, string> {
  return new Map(keys.map((k) => [flagOf(k), k]));
}

export interface ParseOptions {
  /** Keys that may stand alone (`--clean-ce` means `--clean-ce true`). */
  bare?: ReadonlySet<string>;
  /** Extra one-line explanations for flags that are not accepted (e.g. `--method` → use `--methods`). */
  hints?: ReadonlyMap<string, string>;
  /** The text `--help` prints. */
  help?: string;
}

/**
 * `--flag value`, `--flag=value` (and bare boolean flags) → camelCase keys with raw string values.
 * Later repeats win. Throws a UsageError for an unknown flag, a stray value or a missing value.
 */
export function parseArgv(
  argv: string[],
  table: Map<string, string>,
  opts: ParseOptions = {},
): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--help' || token === '-h') throw new HelpRequest(opts.help ?? helpText('', [], table));
    const eq = token.startsWith('--') ? token.indexOf('=') : -1;
    const flag = eq > 0 ? token.slice(0, eq) : token;
    const key = table.get(flag);
    if (!key) {
      const hint = opts.hints?.get(flag);
      if (hint) throw new UsageError(hint);
      const what = flag.startsWith('--') ? 'unknown flag' : 'unexpected argument';
      throw new UsageError(`${what} "${flag}"; allowed: ${[...table.keys()].join(' ')}`);
    }
    if (eq > 0) {
      out[key] = token.slice(eq + 1);
      continue;
    }
    const next = argv[i + 1];
    const nextIsFlag = next !== undefined && next.startsWith('--') && table.has(next.split('=')[0]);
    if (next === undefined || nextIsFlag) {
      if (opts.bare?.has(key)) {
        out[key] = 'true';
        continue;
      }
      throw new UsageError(`${flag} needs a value`);
    }
    out[key] = next;
    i++;
  }
  return out;
}

/** The RunConfig keys of boolean fields (they may be given bare). */
export const BOOLEAN_CONFIG_KEYS: ReadonlySet<string> = new Set(
  CONFIG_KEYS.filter((k) => FIELD_RULES[k].kind === 'boolean'),
);

/** Reads a `--config` JSON file: an object of settings (RunConfig fields or the command's options). */
export function readConfigFile(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--config ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UsageError(`--config ${path}: expected a JSON object of settings`);
  }
  try {
    // Own keys into a prototype-less object: "__proto__" and friends are refused, naming the key.
    return Object.assign(
      Object.create(null) as Record<string, unknown>,
      Object.fromEntries(settingsEntries(raw)),
    );
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`--config ${path}: ${e.issues[0].message}`);
    throw e;
  }
}

/** A positive number (or integer) for `flag`, or a UsageError naming the flag and the value. */
export function positive(flag: string, raw: unknown, integer: boolean): number {
  const n = strictNumber(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(
      `${flag} must be a positive ${integer ? 'integer' : 'number'}; got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/** One of `allowed` for `flag`, or a UsageError listing them. */
export function oneOf<T extends string>(flag: string, raw: unknown, allowed: readonly T[]): T {
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}; got ${JSON.stringify(raw)}`);
}

/** Rewrites a config-field message so it names the flag (`batch must …` → `--batch must …`). */
export function nameFlag(field: string, message: string): string {
  return (CONFIG_KEYS as string[]).includes(field) ? message.replace(field, flagOf(field)) : message;
}

/**
 * Validates RunConfig settings (raw strings or JSON values) on top of `base`; the first issue
 * becomes a UsageError naming its flag.
 */
export function configFromSettings(partial: Record<string, unknown>, base?: RunConfig): RunConfig {
  const { config, issues } = validateConfig(partial, base);
  if (issues.length > 0) throw new UsageError(nameFlag(issues[0].field, issues[0].message));
  return config;
}

/** Help lines of the options several commands share (one wording everywhere). */
export const SHARED_HELP = {
  backend: ['--backend wasm|cpu', 'TF.js backend (default wasm)'],
  epochs: ['--epochs N', 'the step budget in epochs of the training set, instead of --steps'],
  data: ['--data PATH', 'files of cifar10 / folder / idx datasets'],
  config: ['--config FILE', 'JSON of settings in camelCase (flags win)'],
  reportEvery: ['--report-every N', 'steps per readback (default 10)'],
  out: ['--out FILE', 'every result as JSON'],
} satisfies Record<string, [string, string]>;

/**
 * A command's help text: its usage line, its own options, and (when it takes run settings) a pointer
 * to the RunConfig flags listed by name.
 * @param options `[flag, meaning]` pairs of the command's own options
 * @param table the command's flag table (every flag it accepts)
 */
export function helpText(
  usage: string,
  options: Array<[string, string]>,
  table: Map<string, string>,
): string {
  const own = new Set(options.map(([f]) => f.split(' ')[0]));
  const config = [...table.keys()].filter(
    (f) => !own.has(f) && (CONFIG_KEYS as string[]).includes(table.get(f)!),
  );
  const width = Math.max(0, ...options.map(([f]) => f.length));
  return [
    usage,
    ...(options.length ? ['', 'Options:', ...options.map(([f, m]) => `  ${f.padEnd(width)}  ${m}`)] : []),
    ...(config.length
      ? ['', 'Run settings (docs/headless.md; booleans may be given bare):', `  ${config.join(' ')}`]
      : []),
    '',
    'Flags take `--flag value` or `--flag=value`; --help prints this.',
  ].join('\n');
}

/**
 * Runs a command's `main` and turns what it throws into the exit code: 0 after `--help` (its text on
 * stdout), 2 for bad input (one line on stderr naming the flag), 1 for anything else.
 */
export function runCommand(name: string, main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (e: unknown) => {
      if (e instanceof HelpRequest) {
        process.stdout.write(`${e.message}\n`);
        process.exit(0);
      }
      process.stderr.write(`${name}: ${(e as Error).message.split('\n')[0]}\n`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}
