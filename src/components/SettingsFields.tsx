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
  type RunConfig,
} from '../core/config';

export type NumericField = {
  [K in keyof RunConfig]: RunConfig[K] extends number ? K : never;
}[keyof RunConfig];

export const NUMERIC: Array<{ field: NumericField; label: string; step?: number }> = [
  { field: 'seed', label: 'Seed' },
  { field: 'batch', label: 'Batch' },
  { field: 'steps', label: 'Steps' },
  { field: 'checkpointEvery', label: 'Checkpoint every' },
  { field: 'width', label: 'Width W' },
  { field: 'lr', label: 'LR', step: 0.01 },
  { field: 'mixerLr', label: 'Mixer LR (0 = auto)', step: 0.001 },
  { field: 'alpha', label: 'α', step: 0.1 },
  { field: 'eta', label: 'η', step: 0.1 },
  { field: 'maskLossWeight', label: 'Mask w (0 = auto)', step: 0.01 },
  { field: 'emaBase', label: 'EMA m₀', step: 0.001 },
  { field: 'emaEnd', label: 'EMA m_end', step: 0.0001 },
  { field: 'evalEvery', label: 'Eval every' },
];

/** The supervised Mixer's two browser options (README: where the engine departs from the reference). */
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
      ? `0 (method default, e.g. SAMix ${DEFAULT_ALPHA.samix})`
      : field === 'mixerLr'
        ? '0 (optimiser default: Adam 0.001, SGD 0.1)'
        : field === 'maskLossWeight'
          ? '0 (0.3 for SAMix with "mean = λ", else 0.1)'
          : String(DEFAULT_CONFIG[field]);
  return `${FIELD_RULES[field].help} Default: ${def}.${live}`;
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
