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

describe('one-sided steps', () => {
  it('a skipped side is NaN in the metrics and not a divergence', async () => {
    const { PACKED_KEYS, unpackMetrics } = await import('../core/scenarios/metrics');
    const row = PACKED_KEYS.map(() => 0.5);
    const host = { step: 3, epoch: 0, lamMb: 0.4, lamBb: 0.6, msPerStep: 1 };
    const mixerOnly = unpackMetrics(row, { ...host, part: 'mixer' });
    expect([mixerOnly.loss.mixQ, mixerOnly.loss.oneQ, mixerOnly.acc.train].every(Number.isNaN)).toBe(true);
    expect(mixerOnly.loss.local).toBe(0.5);
    const classifierOnly = unpackMetrics(row, { ...host, part: 'classifier' });
    expect(Number.isNaN(classifierOnly.loss.global)).toBe(true);
    expect(classifierOnly.loss.mixQ).toBe(0.5);
    expect(findDivergence([mixerOnly, classifierOnly])).toBeNull();
    // A full step whose sum is not finite still diverges, and so does a one-sided one.
    const bad = unpackMetrics(
      row.map((v, i) => (PACKED_KEYS[i] === 'total' ? NaN : v)),
      host,
    );
    expect(findDivergence([bad])?.term).toBe('total');
    const badMixer = unpackMetrics(
      row.map((v, i) => (PACKED_KEYS[i] === 'total' ? NaN : v)),
      { ...host, part: 'mixer' },
    );
    expect(findDivergence([badMixer])?.term).toBe('total');
  });
});
