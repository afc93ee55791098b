/**
 * The settings' building blocks for RunControls: the numeric fields (validated as typed, committed on
 * blur or Enter), the SAMix Mixer switches, and every control's tooltip (meaning, default, live or not).
 */
import { useState } from 'react';
import {
  DEFAULT_ALPHA,
  DEFAULT_CONFIG,
  FIELD_RULES,
  LIVE_FIELDS,
  checkField,
  effectiveAlpha,
  effectiveMaskLossWeight,
  effectiveMixerLr,
  type RunConfig,
} from '../core/config';

export type NumericField = {
  [K in keyof RunConfig]: RunConfig[K] extends number ? K : never;
}[keyof RunConfig];

/** The settings a learner needs first (the rest are under "Advanced"). */
export const ESSENTIAL_NUMERIC: Array<{ field: NumericField; label: string; step?: number }> = [
  { field: 'eta', label: 'η (global weight)', step: 0.1 },
  { field: 'alpha', label: 'α (λ spread)', step: 0.1 },
];

export const NUMERIC: Array<{ field: NumericField; label: string; step?: number }> = [
  { field: 'seed', label: 'Seed' },
  { field: 'batch', label: 'Batch' },
  { field: 'steps', label: 'Steps' },
  { field: 'width', label: 'Width W' },
  { field: 'lr', label: 'Learning rate', step: 0.01 },
  { field: 'mixerLr', label: 'Mixer learning rate', step: 0.001 },
  { field: 'maskLossWeight', label: 'Mask-loss weight', step: 0.01 },
  { field: 'emaBase', label: 'Momentum (start)', step: 0.001 },
  { field: 'emaEnd', label: 'Momentum (end)', step: 0.0001 },
  { field: 'evalEvery', label: 'Evaluate every' },
  { field: 'checkpointEvery', label: 'Checkpoint every' },
];

/** Plain-language explanations of the settings whose names are jargon (shown before the rule's help). */
const PLAIN: Partial<Record<keyof RunConfig, string>> = {
  eta:
    'How much the Mixer is pushed to make mixed images that look like neither of the OTHER classes ' +
    '(global discrimination), against looking like both mixed classes in the right proportion (local ' +
    'smoothness). 0 = local only.',
  alpha:
    'λ, the share of image A, is drawn from Beta(α, α) every step: α < 1 gives mostly λ near 0 or 1 ' +
    '(one image dominates), α = 1 any λ equally, α > 1 mostly λ near ½.',
  etaMode:
    'Which "global" term the Mixer is trained with. decoupled (default): each class against all the ' +
    'other classes; rest: the two mixed classes together against the rest (η = 1 is then plain mixup ' +
    "cross-entropy); fullCE: the mixup cross-entropy itself; codeFaithful: what OpenMixup's released " +
    'code trains (plain mixup cross-entropy, η ignored).',
  emaBase:
    'The momentum encoder is a slowly following copy of the online one: after each step it moves ' +
    '(1 − momentum) of the way towards it. 0.99 follows over about 100 steps.',
  emaEnd:
    'Momentum at the end of the run (a cosine ramp from the start value after the first 10 % of steps).',
  mixerLr: 'Learning rate of the Mixer network (the mask painter).',
  maskLossWeight:
    'Weight of the mask regulariser: keeps the mask mean near λ (L1) and rewards decisive masks (−2·variance).',
  width: 'Width of the network: channels of the first stage (the stages have W, 2W, 4W, 8W).',
  mixerOptimizer: 'Optimiser of the Mixer network.',
  scenario: 'Supervised (labels) or self-supervised (no labels: MoCo v2 instance discrimination).',
};

/** The supervised Mixer's two browser options (docs/method.md: departures from OpenMixup). */
export const MIXER_SWITCHES: Array<{ field: 'mixerLocal' | 'maskFit'; label: string }> = [
  { field: 'mixerLocal', label: 'Mixer: local score' },
  { field: 'maskFit', label: 'Mixer: mean = λ' },
];

/** Fields only the SSL scenario reads. */
export const SSL_NUMERIC: Array<{ field: NumericField; label: string; step?: number }> = [
  { field: 'queueSize', label: 'Queue K' },
  { field: 'sslTemperature', label: 'SSL T', step: 0.05 },
];

export function tooltip(field: keyof RunConfig): string {
  const live = (LIVE_FIELDS as readonly string[]).includes(field) ? ' Changes live while training.' : '';
  const def =
    field === 'alpha'
      ? `the method's own (SAMix ${DEFAULT_ALPHA.samix}, Mixup ${DEFAULT_ALPHA.mixup}, CutMix ${DEFAULT_ALPHA.cutmix}, …)`
      : field === 'mixerLr'
        ? "the optimiser's own (Adam 0.001, SGD 0.1)"
        : field === 'maskLossWeight'
          ? '0.3 for SAMix with "mean = λ", else 0.1'
          : String(DEFAULT_CONFIG[field]);
  const plain = PLAIN[field] ? `${PLAIN[field]} ` : '';
  // (The three "method's own" settings explain themselves in PLAIN; their rules mention the stored 0.)
  const help =
    field in OWN_DEFAULT ? OWN_DEFAULT[field as keyof typeof OWN_DEFAULT] : FIELD_RULES[field].help;
  return `${plain}${help} Default: ${def}.${live}`;
}

const OWN_DEFAULT = {
  alpha: 'Beta(α, α) parameter of λ.',
  mixerLr: 'Cosine schedule down to the final Mixer learning rate.',
  maskLossWeight: 'Weight of the mask loss.',
} as const;

/**
 * The value a run will use for a setting whose stored default is "the method's own" (α, the Mixer's
 * learning rate, the mask-loss weight): the field shows this real number, not the stored 0.
 */
export function shownValue(config: RunConfig, field: NumericField): number {
  if (field === 'alpha') return effectiveAlpha(config);
  if (field === 'mixerLr') return effectiveMixerLr(config);
  if (field === 'maskLossWeight') return effectiveMaskLossWeight(config);
  return config[field];
}

export function NumberInput({
  field,
  label,
  step,
  value,
  onCommit,
}: {
  field: NumericField;
  label: string;
  step?: number;
  value: number;
  onCommit: (v: number) => void;
}) {
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  const [error, setError] = useState('');
  if (shown !== value) {
    setShown(value);
    setText(String(value));
  }
  const commit = (): void => {
    const r = checkField(field, text);
    if (r.ok) {
      setError('');
      if (r.value !== value) onCommit(r.value as number);
    } else setError(r.issue.message);
  };
  return (
    <label className="field" title={tooltip(field)}>
      <span>{label}</span>
      <input
        type="number"
        aria-label={label}
        value={text}
        step={step ?? 1}
        aria-invalid={error !== ''}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      {error && <em className="field-error">{error}</em>}
    </label>
  );
}

/** A labelled drop-down of `options` (its accessible name is `label`). */
export function ChoiceField<T extends string>(p: {
  label: string;
  title: string;
  value: T;
  options: readonly T[];
  onChange(value: T): void;
}) {
  return (
    <label className="field" title={p.title}>
      <span>{p.label}</span>
      <select aria-label={p.label} value={p.value} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.options.map((m) => (
          <option key={m}>{m}</option>
        ))}
      </select>
    </label>
  );
}
