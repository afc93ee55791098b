/**
 * The run configuration: one typed object with documented defaults (spec §9.2), and the single
 * validator every source of configuration goes through (controls, URL, imported bundles, the
 * headless command). Pure TypeScript: no TF.js, so the UI may import it.
 */

export const METHOD_NAMES = [
  'erm',
  'mixup',
  'cutmix',
  'manifoldmix',
  'fmix',
  'saliencymix',
  'resizemix',
  'puzzlemix',
  'automix',
  'samix',
  'samixp',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

export const ETA_MODES = ['decoupled', 'rest', 'fullCE', 'codeFaithful'] as const;
export type EtaMode = (typeof ETA_MODES)[number];

export const DATASET_NAMES = ['shapes', 'mnist', 'fashion-mnist', 'cifar10', 'folder', 'idx'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const MIXER_OPTIMIZERS = ['adam', 'sgd'] as const;
export type MixerOptimizer = (typeof MIXER_OPTIMIZERS)[number];

/** Mixer learning rate per optimiser when `mixerLr` is 0 (spec §9.2: SGD 0.1, or Adam 1e-3). */
export const DEFAULT_MIXER_LR: Record<MixerOptimizer, number> = { adam: 1e-3, sgd: 0.1 };

export const MASK_LOSS_MODES = ['l1', 'l1+var'] as const;
export type MaskLossMode = (typeof MASK_LOSS_MODES)[number];

/** Supervised (labels) or self-supervised (MoCo v2 style, label-free; spec §5, §9.3). */
export const SCENARIO_NAMES = ['sl', 'ssl'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Methods the SSL scenario trains: `erm` = plain MoCo, MoCo + Mixup / CutMix, SSL SAMix. */
export const SSL_METHODS: readonly MethodName[] = ['erm', 'mixup', 'cutmix', 'samix'];

/** Methods whose mask comes from a trained Mixer (they have a Mixer objective and an EMA encoder). */
export const LEARNED_METHODS: readonly MethodName[] = ['automix', 'samix'];

/** α of Beta(α, α) per method, from the OpenMixup CIFAR tables (spec §9.2). */
export const DEFAULT_ALPHA: Record<MethodName, number> = {
  erm: 1,
  mixup: 1,
  cutmix: 0.2,
  manifoldmix: 2,
  fmix: 0.2,
  saliencymix: 0.2,
  resizemix: 1,
  puzzlemix: 1,
  automix: 2,
  samix: 2,
  samixp: 2,
};

export interface RunConfig {
  /** Mixup method trained. */
  method: MethodName;
  /** Dataset name; `folder`/`idx`/`cifar10` need user data (`dataPath` headless). */
  dataset: DatasetName;
  /** Seed of the run's one generator (data order, init, λ, permutations, boxes, spectra). */
  seed: number;
  /** Mini-batch size N. */
  batch: number;
  /** Step budget; the run stops by itself after this many steps. */
  steps: number;
  /** Base width W of ResNet-mini (stages W, 2W, 4W, 8W). */
  width: number;
  /** Encoder learning rate (SGD, momentum 0.9, cosine to 0 per iteration). */
  lr: number;
  /** Optimiser of the Mixer: Adam (default; leaves the attention's init saddle) or SGD m=0.9. */
  mixerOptimizer: MixerOptimizer;
  /** Mixer learning rate, cosine to `mixerLrMin`; 0 means the optimiser's default (DEFAULT_MIXER_LR). */
  mixerLr: number;
  /** Final Mixer learning rate of its cosine schedule. */
  mixerLrMin: number;
  /** SGD weight decay (encoder). */
  weightDecay: number;
  /** Beta(α, α) parameter; 0 means "the method's default" (DEFAULT_ALPHA). */
  alpha: number;
  /** η of the η-balanced Mixer loss: ℓ_local + η·ℓ_global. */
  eta: number;
  /** Which global term (spec §4.2), or the code-faithful plain mixup CE (§4.3). */
  etaMode: EtaMode;
  /** Weight of the mask loss. */
  maskLossWeight: number;
  /** `l1+var` (SAMix) or `l1` (AutoMix); empty string means the method's default. */
  maskLossMode: MaskLossMode | '';
  /** Margin ε of the L1 mask term. */
  maskMargin: number;
  /** λ rescale constant k of the Mixer's λ encoding (−1 = identity). */
  lamMulK: number;
  /** λ_bb at or beyond this distance from 0/1 falls back to plain Mixup for the backbone. */
  lamMargin: number;
  /** Probability of re-normalising the backbone mask mean to λ_bb. */
  maskAdjust: number;
  /** EMA momentum at the start (constant for the first `emaWarmupFrac` of the run). */
  emaBase: number;
  /** EMA momentum at the end of the cosine schedule. */
  emaEnd: number;
  /** Fraction of the run with constant momentum. */
  emaWarmupFrac: number;
  /** Encoder stage (1-based, of 4) whose momentum-encoder output the Mixer reads. */
  mixerStage: number;
  /** Give hand-crafted baselines the clean-image CE term online SAMix has (spec §7.10). */
  cleanCE: boolean;
  /** Training images used (0 = all). */
  trainSize: number;
  /** Test images used for evaluation (0 = all). */
  testSize: number;
  /** Evaluate test accuracy every this many steps. */
  evalEvery: number;
  /** Save a checkpoint (full training state, IndexedDB) every this many steps; also on pause and at the end. */
  checkpointEvery: number;
  /** Random crop with 4 px padding and horizontal flip (flip is off for digits). */
  augment: boolean;
  /** SAMix^P: the pre-trained Mixer bundle (headless: a folder or .zip path; browser: its stored name). */
  mixerBundle: string;
  /** `sl` (supervised) or `ssl` (self-supervised MoCo v2 + mixup; labels only for kNN/probe). */
  scenario: ScenarioName;
  /** SSL: size K of the FIFO key queue (a multiple of `batch`). */
  queueSize: number;
  /** SSL: InfoNCE temperature T. */
  sslTemperature: number;
  /** SSL: output dimension of the projector (GAP → FC → ReLU → FC, L2-normalised). */
  projDim: number;
  /** SSL: hidden width of the projector. */
  projHidden: number;
  /** SSL: neighbours k of the kNN monitor. */
  knnK: number;
  /** SSL: temperature of the kNN monitor's similarity weights exp(s/τ). */
  knnTemperature: number;
  /** SSL: epochs of the final linear probe on frozen features. */
  probeEpochs: number;
}

export const DEFAULT_CONFIG: RunConfig = {
  method: 'samix',
  dataset: 'shapes',
  seed: 1,
  batch: 64,
  steps: 2000,
  width: 16,
  lr: 0.1,
  mixerOptimizer: 'adam',
  mixerLr: 0,
  mixerLrMin: 1e-3,
  weightDecay: 5e-4,
  alpha: 0,
  eta: 0.5,
  etaMode: 'decoupled',
  maskLossWeight: 0.1,
  maskLossMode: '',
  maskMargin: 0.1,
  lamMulK: 0.25,
  lamMargin: 0.08,
  maskAdjust: 0,
  emaBase: 0.99,
  emaEnd: 0.9999,
  emaWarmupFrac: 0.1,
  mixerStage: 3,
  cleanCE: false,
  trainSize: 0,
  testSize: 1000,
  evalEvery: 100,
  checkpointEvery: 100,
  augment: true,
  mixerBundle: '',
  scenario: 'sl',
  queueSize: 4096,
  sslTemperature: 0.2,
  projDim: 64,
  projHidden: 512,
  knnK: 200,
  knnTemperature: 0.1,
  probeEpochs: 10,
};

/**
 * Defaults of the SSL scenario where they differ from the supervised ones (spec §9.3, measured in
 * README "Self-supervised SAMix"): encoder lr 0.06 (not SL's 0.1), a constant MoCo momentum 0.99 (not
 * SL's 0.99 → 0.9999), and the Mixer on SGD (Adam kept SSL masks near-constant).
 */
export const SSL_DEFAULTS: Partial<RunConfig> = {
  lr: 0.06,
  emaBase: 0.99,
  emaEnd: 0.99,
  mixerOptimizer: 'sgd',
};

/** The defaults of a scenario: DEFAULT_CONFIG, with SSL_DEFAULTS on top for `ssl`. */
export function scenarioDefaults(scenario: ScenarioName): RunConfig {
  return scenario === 'ssl'
    ? { ...DEFAULT_CONFIG, ...SSL_DEFAULTS, scenario }
    : { ...DEFAULT_CONFIG, scenario };
}

type NumberRule = { kind: 'number'; min: number; max: number; integer?: boolean; help: string };
type EnumRule = { kind: 'enum'; values: readonly string[]; help: string };
type BoolRule = { kind: 'boolean'; help: string };
type StringRule = { kind: 'string'; maxLength: number; help: string };
export type FieldRule = NumberRule | EnumRule | BoolRule | StringRule;

/** Range and meaning of every field; drives validation, the URL codec and control tooltips. */
export const FIELD_RULES: Record<keyof RunConfig, FieldRule> = {
  method: { kind: 'enum', values: METHOD_NAMES, help: 'Mixup method to train.' },
  dataset: { kind: 'enum', values: DATASET_NAMES, help: 'Training data.' },
  seed: { kind: 'number', min: 0, max: 2 ** 31 - 1, integer: true, help: 'Seed of the run generator.' },
  batch: { kind: 'number', min: 2, max: 1024, integer: true, help: 'Mini-batch size.' },
  steps: { kind: 'number', min: 1, max: 1_000_000, integer: true, help: 'Step budget (auto-stop).' },
  width: {
    kind: 'number',
    min: 2,
    max: 128,
    integer: true,
    help: 'Base width W of ResNet-mini (W,2W,4W,8W).',
  },
  lr: { kind: 'number', min: 1e-6, max: 10, help: 'Encoder learning rate (SGD m=0.9, cosine to 0).' },
  mixerOptimizer: {
    kind: 'enum',
    values: MIXER_OPTIMIZERS,
    help: 'Mixer optimiser: Adam (β 0.9/0.999) or SGD with momentum 0.9.',
  },
  mixerLr: {
    kind: 'number',
    min: 0,
    max: 10,
    help: 'Mixer learning rate, cosine to mixerLrMin; 0 = the optimiser default (Adam 1e-3, SGD 0.1).',
  },
  mixerLrMin: { kind: 'number', min: 0, max: 10, help: 'Final Mixer learning rate.' },
  weightDecay: { kind: 'number', min: 0, max: 0.1, help: 'Weight decay of the encoder.' },
  alpha: { kind: 'number', min: 0, max: 100, help: 'Beta(α,α) of λ; 0 = method default.' },
  eta: { kind: 'number', min: 0, max: 10, help: 'η: weight of global discrimination in the Mixer loss.' },
  etaMode: { kind: 'enum', values: ETA_MODES, help: 'Global term of the η-balanced loss.' },
  maskLossWeight: { kind: 'number', min: 0, max: 10, help: 'Weight of the mask loss.' },
  maskLossMode: {
    kind: 'enum',
    values: ['', ...MASK_LOSS_MODES],
    help: 'Mask loss; empty = method default.',
  },
  maskMargin: { kind: 'number', min: 0, max: 0.5, help: 'Margin ε of the L1 mask term.' },
  lamMulK: { kind: 'number', min: -1, max: 10, help: 'λ rescale k of the Mixer (−1 = identity).' },
  lamMargin: { kind: 'number', min: 0, max: 0.5, help: 'λ_bb within this of 0 or 1 falls back to Mixup.' },
  maskAdjust: { kind: 'number', min: 0, max: 1, help: 'Probability of re-normalising the backbone mask.' },
  emaBase: { kind: 'number', min: 0, max: 1, help: 'EMA momentum at the start.' },
  emaEnd: { kind: 'number', min: 0, max: 1, help: 'EMA momentum at the end.' },
  emaWarmupFrac: { kind: 'number', min: 0, max: 1, help: 'Fraction of the run at constant momentum.' },
  mixerStage: { kind: 'number', min: 1, max: 4, integer: true, help: 'Encoder stage read by the Mixer.' },
  cleanCE: { kind: 'boolean', help: 'Add the clean-image CE to hand-crafted baselines.' },
  trainSize: { kind: 'number', min: 0, max: 10_000_000, integer: true, help: 'Training images (0 = all).' },
  testSize: { kind: 'number', min: 0, max: 10_000_000, integer: true, help: 'Test images (0 = all).' },
  evalEvery: { kind: 'number', min: 1, max: 1_000_000, integer: true, help: 'Steps between evaluations.' },
  checkpointEvery: {
    kind: 'number',
    min: 1,
    max: 1_000_000,
    integer: true,
    help: 'Steps between checkpoints (resume after a reload, roll back after divergence).',
  },
  augment: { kind: 'boolean', help: 'Random crop (pad 4) and flip.' },
  mixerBundle: {
    kind: 'string',
    maxLength: 1000,
    help: 'SAMix^P: pre-trained Mixer bundle (a stored bundle name; headless: a folder or .zip path).',
  },
  scenario: {
    kind: 'enum',
    values: SCENARIO_NAMES,
    help: 'sl = supervised, ssl = self-supervised (MoCo v2).',
  },
  queueSize: {
    kind: 'number',
    min: 2,
    max: 65536,
    integer: true,
    help: 'SSL key queue size K (a multiple of the batch).',
  },
  sslTemperature: { kind: 'number', min: 0.01, max: 10, help: 'SSL InfoNCE temperature T.' },
  projDim: { kind: 'number', min: 2, max: 1024, integer: true, help: 'SSL projector output dimension.' },
  projHidden: { kind: 'number', min: 2, max: 4096, integer: true, help: 'SSL projector hidden width.' },
  knnK: { kind: 'number', min: 1, max: 10_000, integer: true, help: 'SSL kNN monitor: neighbours k.' },
  knnTemperature: { kind: 'number', min: 0.01, max: 10, help: 'SSL kNN monitor: temperature τ.' },
  probeEpochs: { kind: 'number', min: 1, max: 1000, integer: true, help: 'SSL linear probe epochs.' },
};

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
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
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
  const ssl = base === DEFAULT_CONFIG && partial.scenario === 'ssl';
  const config: RunConfig = ssl ? scenarioDefaults('ssl') : { ...base };
  const issues: ConfigIssue[] = [];
  for (const [key, raw] of Object.entries(partial)) {
    if (!(key in FIELD_RULES)) {
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

/** α actually used by a run: the configured one, or the method's default when alpha is 0. */
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

/** Mixer learning rate actually used at the start of its cosine schedule. */
export function effectiveMixerLr(cfg: Pick<RunConfig, 'mixerLr' | 'mixerOptimizer'>): number {
  return cfg.mixerLr > 0 ? cfg.mixerLr : DEFAULT_MIXER_LR[cfg.mixerOptimizer];
}

export function effectiveAlpha(cfg: Pick<RunConfig, 'alpha' | 'method'>): number {
  return cfg.alpha > 0 ? cfg.alpha : DEFAULT_ALPHA[cfg.method];
}

/** Mask loss actually used: SAMix L1 − 2·Var, AutoMix L1, unless overridden. */
export function effectiveMaskLossMode(cfg: Pick<RunConfig, 'maskLossMode' | 'method'>): MaskLossMode {
  if (cfg.maskLossMode !== '') return cfg.maskLossMode;
  return cfg.method === 'automix' ? 'l1' : 'l1+var';
}

/** The fields that may change while a run trains (no reset). */
export const LIVE_FIELDS = ['alpha', 'eta', 'lr', 'mixerLr', 'maskLossWeight'] as const;
export type LiveField = (typeof LIVE_FIELDS)[number];
