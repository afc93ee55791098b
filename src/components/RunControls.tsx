/**
 * Run controls: the buttons (Start, Pause, Resume, Step, Reset, and one-sided steps for learned
 * methods) and the settings. Live settings (α, η, learning rates, mask-loss weight) apply to a
 * running run at once; the others take effect at the next Start. Every control's tooltip says what
 * it does and its default. Values are checked by the shared validator before they are used.
 */
import { memo } from 'react';
import {
  DATASET_NAMES,
  ETA_MODES,
  LEARNED_METHODS,
  METHOD_NAMES,
  MIXER_OPTIMIZERS,
  SCENARIO_NAMES,
  SSL_METHODS,
  scenarioDefaults,
  type RunConfig,
} from '../core/config';
import type { RunStatus } from '../worker/protocol';
import {
  ChoiceField,
  ESSENTIAL_NUMERIC,
  MIXER_SWITCHES,
  NUMERIC,
  NumberInput,
  SSL_NUMERIC,
  shownValue,
  tooltip,
} from './SettingsFields';

const SCENARIO_TIP =
  'sl = supervised (labels); ssl = self-supervised MoCo v2 (labels only for the kNN monitor and the final linear probe). ' +
  'SSL trains erm (= plain MoCo), mixup, cutmix, samix, with its own defaults (lr 0.06, momentum 0.99, Mixer on SGD). ' +
  'Takes effect at the next Start. Default: sl.';

/**
 * Switching the scenario: fields still at the old scenario's default take the new one's, and a
 * method SSL does not train becomes samix.
 */
export function scenarioPatch(config: RunConfig, scenario: RunConfig['scenario']): Partial<RunConfig> {
  const from = scenarioDefaults(config.scenario);
  const to = scenarioDefaults(scenario);
  const patch: Partial<RunConfig> = { scenario };
  for (const key of Object.keys(to) as Array<keyof RunConfig>) {
    if (key !== 'scenario' && config[key] === from[key] && to[key] !== from[key])
      (patch as Record<string, unknown>)[key] = to[key];
  }
  if (scenario === 'ssl' && !(SSL_METHODS as readonly string[]).includes(config.method))
    patch.method = 'samix';
  return patch;
}

interface Props {
  config: RunConfig;
  status: RunStatus;
  hasRun: boolean;
  onChange: (patch: Partial<RunConfig>) => void;
  onStart: () => void;
  onPause: () => void;
  onResume: () => void;
  onStep: (part: 'both' | 'mixer' | 'classifier') => void;
  onReset: () => void;
}

function RunControlsImpl(p: Props) {
  const { config, status } = p;
  const running = status === 'running';
  const learned = LEARNED_METHODS.includes(config.method);
  const ssl = config.scenario === 'ssl';
  const canStep = p.hasRun ? status === 'paused' || status === 'idle' : status !== 'loading';
  return (
    <section aria-label="Run controls" className="panel controls-panel">
      <div className="buttons">
        {!p.hasRun || status === 'done' || status === 'error' || status === 'idle' ? (
          <button
            type="button"
            className="primary"
            onClick={p.onStart}
            disabled={status === 'loading'}
            title="Start training with these settings (space)."
          >
            Start
          </button>
        ) : running ? (
          <button
            type="button"
            className="primary"
            onClick={p.onPause}
            title="Pause after the current step (space)."
          >
            Pause
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={p.onResume}
            disabled={status === 'loading'}
            title="Continue training from the current step (space)."
          >
            Resume
          </button>
        )}
        <button
          type="button"
          onClick={() => p.onStep('both')}
          disabled={!canStep}
          title="Train exactly one batch (→ key)."
        >
          Step
        </button>
        {learned && (
          <>
            <button
              type="button"
              onClick={() => p.onStep('mixer')}
              disabled={!canStep || !p.hasRun}
              title="Update only the Mixer on one batch."
            >
              Step Mixer only
            </button>
            <button
              type="button"
              onClick={() => p.onStep('classifier')}
              disabled={!canStep || !p.hasRun}
              title="Update only the classifier (encoder and heads) on one batch."
            >
              Step classifier only
            </button>
          </>
        )}
        <button
          type="button"
          onClick={p.onReset}
          disabled={!p.hasRun}
          title="Discard the run; the next Start begins from step 0."
        >
          Reset
        </button>
      </div>
      <div className="fields">
        <label
          className="field"
          title={
            ssl
              ? `${tooltip('method')} Self-supervised: erm = plain MoCo; only ${SSL_METHODS.join(', ')} are available.`
              : tooltip('method')
          }
        >
          <span>Method</span>
          <select
            aria-label="Method"
            value={config.method}
            onChange={(e) => p.onChange({ method: e.target.value as RunConfig['method'] })}
          >
            {METHOD_NAMES.map((m) => (
              <option key={m} disabled={ssl && !(SSL_METHODS as readonly string[]).includes(m)}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <ChoiceField
          label="Dataset"
          title={tooltip('dataset')}
          value={config.dataset}
          options={DATASET_NAMES}
          onChange={(dataset) => p.onChange({ dataset })}
        />
        {ESSENTIAL_NUMERIC.map((n) => (
          <NumberInput
            key={n.field}
            {...n}
            value={shownValue(config, n.field)}
            onCommit={(v) => p.onChange({ [n.field]: v })}
          />
        ))}
      </div>
      {config.method === 'samixp' && !config.mixerBundle && (
        <p role="alert" className="banner note" data-testid="samixp-no-bundle">
          SAMix^P trains with a pre-trained, frozen Mixer: pick or import a bundle in the Mixer bundles panel
          (export one from a SAMix run) before Start.
        </p>
      )}
      <details className="advanced" data-testid="advanced-settings">
        <summary>Advanced</summary>
        <div className="fields">
          <ChoiceField
            label="Scenario"
            title={SCENARIO_TIP}
            value={config.scenario}
            options={SCENARIO_NAMES}
            onChange={(scenario) => p.onChange(scenarioPatch(config, scenario))}
          />
          <ChoiceField
            label="Global term"
            title={tooltip('etaMode')}
            value={config.etaMode}
            options={ETA_MODES}
            onChange={(etaMode) => p.onChange({ etaMode })}
          />
          <ChoiceField
            label="Mixer optimiser"
            title={tooltip('mixerOptimizer')}
            value={config.mixerOptimizer}
            options={MIXER_OPTIMIZERS}
            onChange={(mixerOptimizer) => p.onChange({ mixerOptimizer })}
          />
          {config.method === 'samix' &&
            !ssl &&
            MIXER_SWITCHES.map(({ field, label }) => (
              <label key={field} className="field" title={tooltip(field)}>
                <span>{label}</span>
                <input
                  type="checkbox"
                  aria-label={label}
                  checked={config[field]}
                  onChange={(e) => p.onChange({ [field]: e.target.checked })}
                />
              </label>
            ))}
          {[...NUMERIC, ...(ssl ? SSL_NUMERIC : [])].map((n) => (
            <NumberInput
              key={n.field}
              {...n}
              value={shownValue(config, n.field)}
              onCommit={(v) => p.onChange({ [n.field]: v })}
            />
          ))}
        </div>
      </details>
    </section>
  );
}

/** Memoised: the controls do not redraw on metrics batches (their props are stable callbacks). */
export const RunControls = memo(RunControlsImpl);
