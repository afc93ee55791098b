/**
 * Divergence check on the metrics the loop reads back: the first non-finite loss term (or one past
 * an explosion threshold) names the term, the step and a suggested fix. Pure, unit-tested.
 */
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

export function findDivergence(points: readonly StepMetrics[]): Divergence | null {
  for (const p of points) {
    for (const term of ORDER) {
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
