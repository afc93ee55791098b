import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, effectiveAlpha, type RunConfig } from '../core/config';
import { MAX_SEEDS, parseMethodList, parseSeedCount, planComparison } from './plan';
import { diffConfigs } from './summary';

const base: RunConfig = { ...DEFAULT_CONFIG, dataset: 'shapes', seed: 7, steps: 50, batch: 16 };

/** The ConfigError `fn` throws (fails the test when it does not throw one). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('planComparison', () => {
  it('runs every method per seed, seeds base.seed, base.seed+1, … (seed-major)', () => {
    const plan = planComparison(base, ['erm', 'samix'], 3);
    expect(plan.map((e) => [e.label, e.method, e.seed])).toEqual([
      ['erm s7', 'erm', 7],
      ['samix s7', 'samix', 7],
      ['erm s8', 'erm', 8],
      ['samix s8', 'samix', 8],
      ['erm s9', 'erm', 9],
      ['samix s9', 'samix', 9],
    ]);
    for (const e of plan) {
      expect(e.config.method).toBe(e.method);
      expect(e.config.seed).toBe(e.seed);
      // Only method and seed differ from the shared configuration.
      expect(diffConfigs(base, e.config).map((d) => d.field)).toEqual(
        ['method', 'seed'].filter((f) => (f === 'method' ? e.method !== base.method : e.seed !== base.seed)),
      );
    }
  });

  it('labels by method alone with one seed', () => {
    const plan = planComparison(base, ['mixup', 'cutmix'], 1);
    expect(plan.map((e) => e.label)).toEqual(['mixup', 'cutmix']);
    expect(plan.every((e) => e.seed === 7)).toBe(true);
  });

  it('keeps alpha 0 so each method uses its own default α; a set α is shared', () => {
    const own = planComparison({ ...base, alpha: 0 }, ['mixup', 'cutmix', 'samix'], 1);
    expect(own.map((e) => e.config.alpha)).toEqual([0, 0, 0]);
    expect(own.map((e) => effectiveAlpha(e.config))).toEqual([1, 0.2, 2]);
    const shared = planComparison({ ...base, alpha: 0.5 }, ['mixup', 'cutmix'], 1);
    expect(shared.map((e) => effectiveAlpha(e.config))).toEqual([0.5, 0.5]);
  });

  it('validates each configuration: a bad value throws naming the field', () => {
    const bad = configError(() => planComparison({ ...base, batch: 1 }, ['erm'], 1));
    expect(bad.issues[0].field).toBe('batch');
    expect(bad.message).toMatch(/^batch must be an integer in \[2, 1024\]; got 1/);
    const lr = configError(() => planComparison({ ...base, lr: -1 }, ['erm'], 1));
    expect(lr.issues[0].field).toBe('lr');
    const seed = configError(() => planComparison({ ...base, seed: 2 ** 31 - 1 }, ['erm'], 2));
    expect(seed.issues[0].field).toBe('seed');
  });

  it('rejects empty, unknown and repeated methods and a bad seed count', () => {
    expect(configError(() => planComparison(base, [], 1)).issues[0].field).toBe('methods');
    const unknown = configError(() => planComparison(base, ['erm', 'nope' as never], 1));
    expect(unknown.message).toMatch(/methods must be among erm, mixup, .*; got "nope"/);
    expect(configError(() => planComparison(base, ['erm', 'erm'], 1)).message).toBe(
      'methods lists erm twice',
    );
    for (const n of [0, 1.5, MAX_SEEDS + 1]) {
      expect(configError(() => planComparison(base, ['erm'], n)).issues[0].field).toBe('seeds');
    }
  });
});

describe('parseMethodList / parseSeedCount', () => {
  it('parses a comma list, ignoring spaces, case and empty items', () => {
    expect(parseMethodList(' ERM, mixup,,samix ')).toEqual(['erm', 'mixup', 'samix']);
  });
  it('names the bad method and the allowed ones', () => {
    expect(() => parseMethodList('erm,mixupp')).toThrow(
      /methods must be among erm, .*samix, samixp; got "mixupp"/,
    );
    expect(() => parseMethodList(' , ')).toThrow(/at least one of/);
  });
  it('parses seed counts', () => {
    expect(parseSeedCount('3')).toBe(3);
    for (const bad of ['0', '2.5', '', 'x', '101'])
      expect(() => parseSeedCount(bad)).toThrow(/^seeds must be/);
  });
});
