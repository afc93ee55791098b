/**
 * Divergence check on the metrics the loop reads back: the first non-finite loss term (or one past
 * an explosion threshold) names the term, the step and a suggested fix. Pure, unit-tested.
 */
import { skippedTerms } from '../core/stepTerms';
import type { StepMetrics } from '../core/trainerTypes';

/** A loss term above this is treated as diverged (CE of 10 classes starts near 2.3). */
export const EXPLODED_LOSS = 1e3;

export interface Divergence {
  step: number;
  term: string;
  value: number;
  message: string;
}

const ADVICE: Record<string, string> = {
  global: 'lower η or the Mixer learning rate',
  local: 'lower the Mixer learning rate',
  mixer: 'lower η or the Mixer learning rate',
  mask: 'lower the mask-loss weight',
  maskL1: 'lower the mask-loss weight',
  maskVar: 'lower the mask-loss weight',
  mixQ: 'lower the learning rate',
  oneQ: 'lower the learning rate',
  total: 'lower the learning rates',
  weights: 'lower the learning rate',
};

/** Components first, sums last, so the message names the term that actually blew up. */
const ORDER: Array<keyof StepMetrics['loss']> = [
  'local',
  'global',
  'maskL1',
  'maskVar',
  'mask',
  'mixQ',
  'oneQ',
  'mixer',
  'total',
];

/** Thrown by the worker loop when a run diverged; the run is paused with the message. */
export class DivergenceError extends Error {
  constructor(
    message: string,
    readonly step = 0,
    readonly term = 'total',
  ) {
    super(message);
    this.name = 'DivergenceError';
  }
}

export function findDivergence(points: readonly StepMetrics[]): Divergence | null {
  for (const p of points) {
    const skipped = skippedTerms(p.part);
    for (const term of ORDER) {
      if (skipped.has(term)) continue; // a one-sided step did not compute it
      const value = p.loss[term];
      if (Number.isFinite(value) && Math.abs(value) <= EXPLODED_LOSS) continue;
      const what = Number.isFinite(value) ? `exploded to ${value.toPrecision(3)}` : `became ${value}`;
      return {
        step: p.step,
        term,
        value,
        message: `The ${term} loss ${what} at step ${p.step}; training is paused. Try to ${ADVICE[term] ?? 'lower the learning rates'} and reset.`,
      };
    }
  }
  return null;
}

/** How a live field is named to the user. */
const FIELD_LABEL: Record<string, string> = {
  eta: 'η',
  lr: 'the learning rate',
  mixerLr: 'the Mixer learning rate',
  alpha: 'α',
  maskLossWeight: 'the mask-loss weight',
};

/**
 * The message shown when a run diverged: the term and step, the live change that preceded it (if
 * any), the suggested fix, and the checkpoint a roll-back returns to.
 */
export function describeDivergence(
  d: Pick<Divergence, 'step' | 'term' | 'value'> & { detail?: string },
  ctx: { lastLive: { step: number; patch: Record<string, unknown> } | null; rollbackStep: number | null },
): string {
  const what =
    d.term === 'weights'
      ? `The weights became non-finite${d.detail ? ` (${d.detail})` : ''}`
      : `The ${d.term} loss ${Number.isFinite(d.value) ? `exploded to ${d.value.toPrecision(3)}` : `became ${d.value}`}`;
  const live =
    ctx.lastLive && ctx.lastLive.step < d.step
      ? `, ${d.step - ctx.lastLive.step} steps after ${Object.entries(ctx.lastLive.patch)
          .map(([k, v]) => `${FIELD_LABEL[k] ?? k} was set to ${String(v)}`)
          .join(' and ')}`
      : '';
  const fix = ADVICE[d.term] ?? 'lower the learning rates';
  const back =
    ctx.rollbackStep !== null
      ? `, then roll back to step ${ctx.rollbackStep} (the last good checkpoint)`
      : ' and reset (no checkpoint to roll back to yet)';
  return `${what} at step ${d.step}${live}; training is paused. Suggested fix: ${fix}${back}.`;
}
