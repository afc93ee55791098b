/**
 * The whole run configuration round-trips through the URL so a link reproduces a run: the query
 * string carries the backend (`?backend=wasm`), the hash carries the configuration fields that
 * differ from the defaults (`#method=mixup&eta=1`) and `<panel>_hide=true` keys for embedding.
 * Invalid values are dropped and out-of-range numbers clamped, each with a note for the page.
 * Pure TypeScript (no DOM), so it is unit-tested in Node.
 */
import {
  BACKEND_NAMES,
  DEFAULT_CONFIG,
  scenarioDefaults,
  FIELD_RULES,
  isConfigField,
  checkField,
  clampField,
  strictNumber,
  validateConfig,
  type BackendName,
  type RunConfig,
} from '../core/config';

export interface UrlState {
  config: RunConfig;
  backend: BackendName | null;
  /** Panels hidden with `<name>_hide=true`. */
  hidden: Set<string>;
  /** One human-readable note per value that was clamped or ignored. */
  notes: string[];
  /** `compare=erm,mixup` or a preset id: what the Compare panel starts with. */
  compare: string | null;
}

export function parseUrlState(search: string, hash: string): UrlState {
  const notes: string[] = [];
  const query = new URLSearchParams(search.replace(/^\?/, ''));
  let backend: BackendName | null = null;
  const rawBackend = query.get('backend');
  if (rawBackend !== null && rawBackend !== '' && rawBackend !== 'auto') {
    if ((BACKEND_NAMES as readonly string[]).includes(rawBackend)) backend = rawBackend as BackendName;
    else {
      notes.push(
        `Unknown backend "${rawBackend}" in ?backend=; allowed: ${BACKEND_NAMES.join(', ')}, auto. Using automatic selection.`,
      );
    }
  }
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  // Unset fields take the scenario's defaults (SSL: docs/ssl.md lr, momentum); see scenarioDefaults.
  const config: RunConfig = scenarioDefaults(params.get('scenario') === 'ssl' ? 'ssl' : 'sl');
  const hidden = new Set<string>();
  let compare: string | null = null;
  for (const [key, raw] of params) {
    if (key === 'compare') {
      compare = raw;
      continue;
    }
    if (key.endsWith('_hide')) {
      if (raw === 'true' || raw === '1') hidden.add(key.slice(0, -5));
      continue;
    }
    if (!isConfigField(key)) {
      notes.push(`Ignored unknown URL setting "${key}".`);
      continue;
    }
    const field = key as keyof RunConfig;
    const r = checkField(field, raw);
    if (r.ok) {
      (config as unknown as Record<string, unknown>)[field] = r.value;
      continue;
    }
    const rule = FIELD_RULES[field];
    const n = strictNumber(raw);
    if (rule.kind === 'number' && Number.isFinite(n)) {
      const c = clampField(field, n);
      (config as unknown as Record<string, unknown>)[field] = c;
      notes.push(`${r.issue.message}; clamped to ${c}.`);
    } else {
      notes.push(`${r.issue.message}; kept the default ${JSON.stringify(DEFAULT_CONFIG[field])}.`);
    }
  }
  // Cross-field rules (emaEnd ≥ emaBase, mixerLrMin ≤ mixerLr, …) come from the one validator: the
  // field it names goes back to its default when that resolves it, else the note says what clashes
  // (and Start refuses the configuration with the same message).
  for (const issue of validateConfig({}, config).issues) {
    const field = issue.field as keyof RunConfig;
    const reset = { ...config, [field]: DEFAULT_CONFIG[field] };
    const fixed = !validateConfig({}, reset).issues.some((i) => i.field === field);
    if (fixed && config[field] !== DEFAULT_CONFIG[field]) {
      (config as unknown as Record<string, unknown>)[field] = DEFAULT_CONFIG[field];
      notes.push(`${issue.message}; kept the default ${JSON.stringify(DEFAULT_CONFIG[field])}.`);
    } else notes.push(`${issue.message}.`);
  }
  return { config, backend, hidden, notes, compare };
}

/** The hash for a configuration: only fields that differ from the defaults, in field order. */
export function configToHash(config: RunConfig, hidden: Iterable<string> = []): string {
  const params = new URLSearchParams();
  const defaults = scenarioDefaults(config.scenario);
  for (const key of Object.keys(FIELD_RULES) as Array<keyof RunConfig>) {
    if (key === 'scenario' ? config.scenario !== 'sl' : config[key] !== defaults[key])
      params.set(key, String(config[key]));
  }
  for (const h of hidden) params.set(`${h}_hide`, 'true');
  const s = params.toString();
  return s ? `#${s}` : '';
}

/** The search part of the page address: the forced backend, and `debug` when it was asked for. */
export function backendToSearch(backend: BackendName | null, debug = false): string {
  const parts = [...(backend ? [`backend=${backend}`] : []), ...(debug ? ['debug'] : [])];
  return parts.length ? `?${parts.join('&')}` : '';
}
