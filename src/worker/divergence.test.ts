import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../core/trainerTypes';
import { findDivergence } from './divergence';

const point = (step: number, loss: Partial<StepMetrics['loss']> = {}): StepMetrics => ({
  step,
  epoch: 0,
  lamMb: 0.5,
  lamBb: 0.5,
  maskMean: 0.5,
  loss: {
    total: 1,
    local: 0.5,
    global: 2,
    mixer: 1.5,
    mask: 0,
    maskL1: 0,
    maskVar: 0,
    mixQ: 2,
    oneQ: 2,
    ...loss,
  },
  acc: { train: 0.5 },
  msPerStep: 1,
});

describe('findDivergence', () => {
  it('is quiet on healthy metrics', () => {
    expect(findDivergence([point(1), point(2)])).toBeNull();
  });

  it('names the first non-finite term, its step and a fix', () => {
    const d = findDivergence([point(1), point(2, { global: NaN, total: NaN })]);
    expect(d).toMatchObject({ step: 2, term: 'global' });
    expect(d?.message).toBe(
      'The global loss became NaN at step 2; training is paused. Try to lower η or the Mixer learning rate and reset.',
    );
  });

  it('catches an explosion before it becomes infinite', () => {
    expect(findDivergence([point(7, { mixQ: 5e4 })])?.message).toBe(
      'The mixQ loss exploded to 5.00e+4 at step 7; training is paused. Try to lower the learning rate and reset.',
    );
  });
});
