/**
 * Range and meaning of every run-configuration field (`FIELD_RULES`): what the validator checks
 * (config.ts), what the URL codec clamps to, and the controls' tooltips. Pure TypeScript: no TF.js.
 * Import it through config.ts, which re-exports everything here.
 */
import {
  DATASET_NAMES,
  ETA_MODES,
  MASK_LOSS_MODES,
  METHOD_NAMES,
  MIXER_OPTIMIZERS,
  SCENARIO_NAMES,
  type RunConfig,
} from './configDefaults';

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
  maskLossWeight: {
    kind: 'number',
    min: 0,
    max: 10,
    help: 'Weight of the mask loss; 0 = default (0.3 for supervised SAMix with maskFit, else 0.1 as OpenMixup).',
  },
  maskLossMode: {
    kind: 'enum',
    values: ['', ...MASK_LOSS_MODES],
    help: 'Mask loss; empty = method default.',
  },
  maskMargin: { kind: 'number', min: 0, max: 0.5, help: 'Margin ε of the L1 mask term.' },
  lamMulK: { kind: 'number', min: -1, max: 10, help: 'λ rescale k of the Mixer (−1 = identity).' },
  lamMargin: { kind: 'number', min: 0, max: 0.5, help: 'λ_bb within this of 0 or 1 falls back to Mixup.' },
  maskAdjust: { kind: 'number', min: 0, max: 1, help: 'Probability of re-normalising the backbone mask.' },
  mixerLocal: {
    kind: 'boolean',
    help: 'Supervised SAMix Mixer: logits = P·V + V (each position keeps its own content score); OpenMixup: off.',
  },
  maskFit: {
    kind: 'boolean',
    help: "Supervised SAMix Mixer: shift each mask's logits so its mean is exactly λ's share; OpenMixup: off.",
  },
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
