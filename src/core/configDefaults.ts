/**
 * The run configuration's fields and their documented defaults (docs/method.md, docs/ssl.md): the method,
 * dataset, backend, optimiser and scenario names, the `RunConfig` type, `DEFAULT_CONFIG`, the SSL
 * scenario's defaults, and the helpers that resolve "0 / empty = the default" settings. Pure
 * TypeScript: no TF.js. Import it through config.ts, which re-exports everything here.
 */
import type { DatasetName } from '../data/catalog';

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

// The dataset names belong to the data layer (src/data/catalog.ts); the configuration re-exports them.
export { DATASET_NAMES, type DatasetName } from '../data/catalog';

export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export const MIXER_OPTIMIZERS = ['adam', 'sgd'] as const;
export type MixerOptimizer = (typeof MIXER_OPTIMIZERS)[number];

/** Mixer learning rate per optimiser when `mixerLr` is 0 (SGD 0.1, or Adam 1e-3; docs/method.md). */
export const DEFAULT_MIXER_LR: Record<MixerOptimizer, number> = { adam: 1e-3, sgd: 0.1 };

export const MASK_LOSS_MODES = ['l1', 'l1+var'] as const;
export type MaskLossMode = (typeof MASK_LOSS_MODES)[number];

/** Supervised (labels) or self-supervised (MoCo v2 style, label-free; docs/ssl.md). */
export const SCENARIO_NAMES = ['sl', 'ssl'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Methods the SSL scenario trains: `erm` = plain MoCo, MoCo + Mixup / CutMix, SSL SAMix. */
export const SSL_METHODS: readonly MethodName[] = ['erm', 'mixup', 'cutmix', 'samix'];

/** Methods whose mask comes from a trained Mixer (they have a Mixer objective and an EMA encoder). */
export const LEARNED_METHODS: readonly MethodName[] = ['automix', 'samix'];

/** α of Beta(α, α) per method, from the OpenMixup CIFAR tables (docs/method.md). */
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
  /** Which global term (docs/method.md), or the code-faithful plain mixup CE. */
  etaMode: EtaMode;
  /** Weight of the mask loss; 0 = the default (effectiveMaskLossWeight: 0.3 with SAMix's maskFit, else 0.1). */
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
  /**
   * Supervised SAMix Mixer (AutoMix and SSL keep the reference): each mask position also adds its own content score, logits = P·V + V (not in
   * OpenMixup, where the logits are the attention average P·V only).
   */
  mixerLocal: boolean;
  /**
   * Supervised SAMix Mixer: shift each mask's logits so its mean is exactly λ's share (not in OpenMixup,
   * whose mask loss asks only the batch mean to be within the margin).
   */
  maskFit: boolean;
  /** EMA momentum at the start (constant for the first `emaWarmupFrac` of the run). */
  emaBase: number;
  /** EMA momentum at the end of the cosine schedule. */
  emaEnd: number;
  /** Fraction of the run with constant momentum. */
  emaWarmupFrac: number;
  /** Encoder stage (1-based, of 4) whose momentum-encoder output the Mixer reads. */
  mixerStage: number;
  /** Give hand-crafted baselines the clean-image CE term online SAMix has (docs/method.md). */
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
  maskLossWeight: 0,
  maskLossMode: '',
  maskMargin: 0.1,
  lamMulK: 0.25,
  lamMargin: 0.08,
  maskAdjust: 0,
  mixerLocal: true,
  maskFit: true,
  emaBase: 0.99,
  // Constant 0.99 (a time constant of 100 steps): with 0.99 → 0.9999 the momentum encoder froze in
  // the last third of a 2,000-step run and trailed the online one by 2–6 points (docs/ranking.md).
  emaEnd: 0.99,
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
 * Defaults of the SSL scenario where they differ from the supervised ones (docs/ssl.md): encoder lr
 * 0.06 (not SL's 0.1) and the Mixer on SGD (Adam kept SSL masks near-constant). Its MoCo momentum is
 * the constant 0.99 both scenarios share.
 */
export const SSL_DEFAULTS: Partial<RunConfig> = {
  lr: 0.06,
  mixerOptimizer: 'sgd',
};

/** The defaults of a scenario: DEFAULT_CONFIG, with SSL_DEFAULTS on top for `ssl`. */
export function scenarioDefaults(scenario: ScenarioName): RunConfig {
  return scenario === 'ssl'
    ? { ...DEFAULT_CONFIG, ...SSL_DEFAULTS, scenario }
    : { ...DEFAULT_CONFIG, scenario };
}

/** Mixer learning rate actually used at the start of its cosine schedule. */
export function effectiveMixerLr(cfg: Pick<RunConfig, 'mixerLr' | 'mixerOptimizer'>): number {
  return cfg.mixerLr > 0 ? cfg.mixerLr : DEFAULT_MIXER_LR[cfg.mixerOptimizer];
}

/** α actually used by a run: the configured one, or the method's default when alpha is 0. */
export function effectiveAlpha(cfg: Pick<RunConfig, 'alpha' | 'method'>): number {
  return cfg.alpha > 0 ? cfg.alpha : DEFAULT_ALPHA[cfg.method];
}

/**
 * The SAMix Mixer's browser switches as a run applies them: supervised SAMix only (AutoMix, SAMix^P's
 * frozen Mixer and self-supervised runs keep the reference Mixer; SAMix^P reads its bundle's flags).
 */
export function mixerSwitches(cfg: Pick<RunConfig, 'method' | 'scenario' | 'mixerLocal' | 'maskFit'>): {
  local: boolean;
  fit: boolean;
} {
  const on = cfg.method === 'samix' && cfg.scenario === 'sl';
  return { local: on && cfg.mixerLocal, fit: on && cfg.maskFit };
}

/**
 * Mask-loss weight actually used when `maskLossWeight` is 0: 0.3 for supervised SAMix with `maskFit`
 * (the L1 term is then always zero and the weight only scales the −2·Var term, which at 0.1 left the
 * fitted masks near-flat: docs/decisions.md "The SAMix Mixer's two browser switches"), otherwise the reference 0.1.
 */
export function effectiveMaskLossWeight(
  cfg: Pick<RunConfig, 'maskLossWeight' | 'method' | 'scenario' | 'maskFit'>,
): number {
  if (cfg.maskLossWeight > 0) return cfg.maskLossWeight;
  return mixerSwitches({ ...cfg, mixerLocal: false }).fit ? 0.3 : 0.1;
}

/** Mask loss actually used: SAMix L1 − 2·Var, AutoMix L1, unless overridden. */
export function effectiveMaskLossMode(cfg: Pick<RunConfig, 'maskLossMode' | 'method'>): MaskLossMode {
  if (cfg.maskLossMode !== '') return cfg.maskLossMode;
  return cfg.method === 'automix' ? 'l1' : 'l1+var';
}
