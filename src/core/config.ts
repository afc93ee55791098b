/**
 * The run configuration: one typed object with documented defaults (docs/method.md), and the single
 * validator every source of configuration goes through (controls, URL, imported bundles, the
 * headless command). Pure TypeScript: no TF.js, so the UI may import it.
 */
import {
  DEFAULT_CONFIG,
  SSL_METHODS,
  effectiveMixerLr,
  scenarioDefaults,
  type RunConfig,
} from './configDefaults';
import { FIELD_RULES, type FieldRule } from './configRules';

// Everyone imports the configuration from here: the fields and defaults (configDefaults.ts) and their
// rules (configRules.ts) are re-exported with the validator below.
export * from './configDefaults';
export * from './configRules';

/** A rejected configuration value: names the field, the allowed range and the value. */
export interface ConfigIssue {
  field: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(issues.map((i) => i.message).join('; '));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Whether `key` is a configuration field (an own key of the rules: never `toString`, `__proto__`…). */
export function isConfigField(key: string): key is keyof RunConfig {
  return Object.hasOwn(FIELD_RULES, key);
}

/**
 * A decimal number written in full (`12`, `-0.5`, `1e-3`, `.5`): what settings accept as text. Hex,
 * binary, `Infinity`, separators and blanks are not numbers here (`Number('0x1')` would be 1).
 */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** `raw` as a number when it is a finite number or a decimal string; NaN otherwise. */
export function strictNumber(raw: unknown): number {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : NaN;
  if (typeof raw !== 'string') return NaN;
  const t = raw.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

/**
 * The entries of a settings object (a parsed JSON file, a URL, flags), refusing the keys that would
 * reach an object's prototype when assigned (`__proto__`, `constructor`, `prototype`).
 * @throws ConfigError naming the key
 */
export function settingsEntries(obj: object): Array<[string, unknown]> {
  const entries = Object.entries(obj);
  const bad = entries.find(([k]) => k === '__proto__' || k === 'constructor' || k === 'prototype');
  if (bad) {
    throw new ConfigError([
      { field: bad[0], message: `setting "${bad[0]}" is not allowed: it is not a configuration field` },
    ]);
  }
  return entries;
}

function describeRule(rule: FieldRule): string {
  if (rule.kind === 'number')
    return `${rule.integer ? 'an integer' : 'a number'} in [${rule.min}, ${rule.max}]`;
  if (rule.kind === 'enum') return `one of ${rule.values.map((v) => (v === '' ? '""' : v)).join(', ')}`;
  if (rule.kind === 'string') return `a text of at most ${rule.maxLength} characters`;
  return 'true or false';
}

/**
 * Checks one raw value against its field rule. Strings are parsed (URL and CLI values arrive as text).
 * Returns the typed value, or an issue naming the field, the range and the value.
 */
export function checkField<K extends keyof RunConfig>(
  field: K,
  raw: unknown,
): { ok: true; value: RunConfig[K] } | { ok: false; issue: ConfigIssue } {
  const rule = FIELD_RULES[field];
  const bad = (): { ok: false; issue: ConfigIssue } => ({
    ok: false,
    issue: { field, message: `${field} must be ${describeRule(rule)}; got ${JSON.stringify(raw)}` },
  });
  if (rule.kind === 'boolean') {
    if (typeof raw === 'boolean') return { ok: true, value: raw as RunConfig[K] };
    if (raw === 'true' || raw === '1') return { ok: true, value: true as RunConfig[K] };
    if (raw === 'false' || raw === '0') return { ok: true, value: false as RunConfig[K] };
    return bad();
  }
  if (rule.kind === 'string') {
    return typeof raw === 'string' && raw.length <= rule.maxLength
      ? { ok: true, value: raw as RunConfig[K] }
      : bad();
  }
  if (rule.kind === 'enum') {
    return typeof raw === 'string' && rule.values.includes(raw)
      ? { ok: true, value: raw as RunConfig[K] }
      : bad();
  }
  const n = strictNumber(raw);
  if (!Number.isFinite(n) || n < rule.min || n > rule.max || (rule.integer && !Number.isInteger(n)))
    return bad();
  return { ok: true, value: n as RunConfig[K] };
}

/** Clamps a numeric value into its field's range (for the URL, which clamps with a note). */
export function clampField(field: keyof RunConfig, n: number): number {
  const rule = FIELD_RULES[field];
  if (rule.kind !== 'number') return n;
  const c = Math.min(rule.max, Math.max(rule.min, n));
  return rule.integer ? Math.round(c) : c;
}

/**
 * Validates a partial configuration (unknown keys are errors) and fills the defaults.
 * Also checks cross-field rules. Returns all issues at once.
 */
export function validateConfig(
  partial: Record<string, unknown>,
  base: RunConfig = DEFAULT_CONFIG,
): { config: RunConfig; issues: ConfigIssue[] } {
  // Fields the user leaves out take the scenario's defaults (SSL_DEFAULTS under scenario ssl).
  const issues: ConfigIssue[] = [];
  let entries: Array<[string, unknown]>;
  try {
    entries = settingsEntries(partial);
  } catch (e) {
    return { config: { ...base }, issues: (e as ConfigError).issues };
  }
  const own = (k: string): unknown => (Object.hasOwn(partial, k) ? partial[k] : undefined);
  const ssl = base === DEFAULT_CONFIG && own('scenario') === 'ssl';
  const config: RunConfig = ssl ? scenarioDefaults('ssl') : { ...base };
  for (const [key, raw] of entries) {
    if (!isConfigField(key)) {
      issues.push({
        field: key,
        message: `unknown setting "${key}"; known: ${Object.keys(FIELD_RULES).join(', ')}`,
      });
      continue;
    }
    const field = key as keyof RunConfig;
    const r = checkField(field, raw);
    if (r.ok) (config as unknown as Record<string, unknown>)[field] = r.value;
    else issues.push(r.issue);
  }
  if (config.emaEnd < config.emaBase) {
    issues.push({
      field: 'emaEnd',
      message: `emaEnd must be ≥ emaBase (${config.emaBase}); got ${config.emaEnd}`,
    });
  }
  if (config.mixerLrMin > effectiveMixerLr(config)) {
    issues.push({
      field: 'mixerLrMin',
      message: `mixerLrMin must be ≤ the Mixer learning rate (${effectiveMixerLr(config)}); got ${config.mixerLrMin}`,
    });
  }
  if (config.scenario === 'ssl') issues.push(...sslIssues(config));
  return { config, issues };
}

/**
 * Cross-field rules of the SSL scenario: the method is one SSL trains, and the queue holds whole
 * batches (a queue size that is not a multiple of the batch names the nearest valid values).
 */
function sslIssues(c: RunConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!SSL_METHODS.includes(c.method)) {
    issues.push({
      field: 'method',
      message: `method ${c.method} is not available with scenario ssl; use one of ${SSL_METHODS.join(', ')} (erm = plain MoCo)`,
    });
  }
  if (c.queueSize % c.batch !== 0 || c.queueSize < c.batch) {
    const below = Math.floor(c.queueSize / c.batch) * c.batch;
    const above = below + c.batch;
    const max = FIELD_RULES.queueSize.kind === 'number' ? FIELD_RULES.queueSize.max : Infinity;
    const options = [below, above].filter((v) => v >= c.batch && v <= max);
    issues.push({
      field: 'queueSize',
      message: `queueSize ${c.queueSize} must be a multiple of batch ${c.batch}: use ${options.join(' or ') || 'a larger batch'}`,
    });
  }
  return issues;
}

/** Like validateConfig, but throws a ConfigError listing every issue. */
export function parseConfig(partial: Record<string, unknown>, base: RunConfig = DEFAULT_CONFIG): RunConfig {
  const { config, issues } = validateConfig(partial, base);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/**
 * The configuration after a live edit (controls while training): only LIVE_FIELDS may change, each
 * value goes through the validator, and the result is re-checked as a whole.
 * @throws Error naming the field that cannot change or the value that is out of range
 */
export function applyLivePatch(cfg: RunConfig, patch: Partial<Pick<RunConfig, LiveField>>): RunConfig {
  const next = { ...cfg };
  for (const [key, value] of Object.entries(patch)) {
    if (!(LIVE_FIELDS as readonly string[]).includes(key))
      throw new Error(`${key} cannot change during a run`);
    const r = checkField(key as LiveField, value);
    if (!r.ok) throw new Error(r.issue.message);
    next[key as LiveField] = r.value;
  }
  return parseConfig({ ...next });
}

/** The fields that may change while a run trains (no reset). */
export const LIVE_FIELDS = ['alpha', 'eta', 'lr', 'mixerLr', 'maskLossWeight'] as const;
export type LiveField = (typeof LIVE_FIELDS)[number];
