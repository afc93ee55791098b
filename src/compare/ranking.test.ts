import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MethodName } from '../core/config';
import { planRanking, RANKING_TARGETS, rankingMarkdown, rankingSections, rankingVerdicts } from './ranking';
import { summarize } from './summary';
import type { CompareRunResult } from './types';

function run(
  method: MethodName,
  seed: number,
  q: number,
  k = NaN,
  kept = NaN,
  dataset = 'shapes',
): CompareRunResult {
  return {
    label: `${method} s${seed}`,
    method,
    seed,
    config: { ...DEFAULT_CONFIG, method, seed, dataset: dataset as 'shapes', steps: 100, batch: 32 },
    steps: 100,
    examplesSeen: 3200,
    finalTestAccQ: q,
    finalTestAccK: k,
    bestTestAccQ: q,
    bestTestAccK: k,
    finalObjectKept: kept,
    msPerStep: method === 'samix' ? 30 : 10,
    evals: [],
    metrics: [],
    error: '',
  };
}

/** Two seeds of every ranked method, SAMix best; `samix` overrides its two runs. */
function field(samix: [CompareRunResult, CompareRunResult]): CompareRunResult[] {
  return [
    run('erm', 1, 0.7),
    run('erm', 2, 0.72),
    run('mixup', 1, 0.71, NaN, 1),
    run('mixup', 2, 0.73, NaN, 1),
    run('cutmix', 1, 0.74, NaN, 1.01),
    run('cutmix', 2, 0.74, NaN, 0.99),
    run('automix', 1, 0.75, 0.74, 1.05),
    run('automix', 2, 0.77, 0.76, 1.07),
    ...samix,
  ];
}

describe('rankingVerdicts', () => {
  it('meets all three targets when SAMix leads, keeps objects on every seed and k tracks q', () => {
    const results = field([run('samix', 1, 0.8, 0.79, 1.2), run('samix', 2, 0.8, 0.8, 1.16)]);
    const v = rankingVerdicts(summarize(results), results);
    expect(v.map((x) => x.met)).toEqual([true, true, true]);
    expect(v[0].detail).toBe('samix 80.00 ≥ automix 76.00 ≥ best hand-crafted (cutmix) 74.00 ≥ erm 71.00');
    expect(v[1].detail).toBe('s1 1.200, s2 1.160');
  });

  it('misses the order when a link is reversed, and the score when one seed is below the bar', () => {
    const results = field([
      run('samix', 1, 0.74, 0.74, 1.3),
      run('samix', 2, 0.76, 0.76, RANKING_TARGETS.objectKeptMin - 0.001),
    ]);
    const v = rankingVerdicts(summarize(results), results);
    expect(v[0].met).toBe(false); // samix 75 < automix 76
    expect(v[1].met).toBe(false);
    expect(v[2].met).toBe(true);
  });

  it('misses the momentum target beyond 3 points and is n/a when a method or the score is missing', () => {
    const results = field([run('samix', 1, 0.8, 0.76), run('samix', 2, 0.8, 0.77)]);
    const v = rankingVerdicts(summarize(results), results);
    expect(v[2].met).toBe(false);
    expect(v[2].detail).toContain('gap 3.50 points');
    expect(v[1].met).toBeNull(); // no object masks (NaN scores)
    const noAutomix = results.filter((r) => r.method !== 'automix');
    expect(rankingVerdicts(summarize(noAutomix), noAutomix)[0].met).toBeNull();
  });
});

describe('planRanking and the report', () => {
  it('plans datasets × seeds × methods with per-run configurations', () => {
    const plan = planRanking({ ...DEFAULT_CONFIG, seed: 4 }, ['shapes', 'mnist'], ['erm', 'samix'], 2);
    expect(plan.map((e) => `${e.dataset} ${e.label}`)).toEqual([
      'shapes erm s4',
      'shapes samix s4',
      'shapes erm s5',
      'shapes samix s5',
      'mnist erm s4',
      'mnist samix s4',
      'mnist erm s5',
      'mnist samix s5',
    ]);
    expect(plan.every((e) => e.config.dataset === e.dataset && e.config.method === e.method)).toBe(true);
  });

  it('adds clean-CE controls of the hand-crafted methods, which do not rank', () => {
    const plan = planRanking(DEFAULT_CONFIG, ['shapes'], ['erm', 'mixup', 'samix'], 1, true);
    expect(plan.map((e) => [e.label, e.config.cleanCE])).toEqual([
      ['erm s1', false],
      ['mixup s1', false],
      ['mixup+CE s1', true],
      ['samix s1', false],
    ]);
    // A control better than everything does not count as the best hand-crafted method.
    const results = [
      ...field([run('samix', 1, 0.8, 0.79, 1.2), run('samix', 2, 0.8, 0.8, 1.16)]),
      { ...run('mixup', 1, 0.95), label: 'mixup+CE s1' },
    ];
    const v = rankingVerdicts(summarize(results), results);
    expect(v[0].met).toBe(true);
    expect(v[0].detail).toContain('best hand-crafted (cutmix) 74.00');
  });

  it('gives one section per dataset with its table, gaps, scores and verdicts', () => {
    const a = field([run('samix', 1, 0.8, 0.79, 1.2), run('samix', 2, 0.8, 0.8, 1.16)]);
    const b = [run('erm', 1, 0.9, NaN, NaN, 'mnist'), run('samix', 1, 0.91, 0.85, NaN, 'mnist')];
    const entries = planRanking(DEFAULT_CONFIG, ['shapes', 'mnist'], ['erm', 'samix'], 2);
    const md = rankingMarkdown(rankingSections(entries, [...a, ...b], 2));
    expect(md).toContain('## shapes');
    expect(md).toContain('## mnist');
    expect(md).toContain('q − k (points): automix 1.00, samix 0.50');
    expect(md).toContain(
      'object kept: mixup 1.00 ± 0.00, cutmix 1.00 ± 0.01, automix 1.06 ± 0.01, samix 1.18 ± 0.03',
    );
    expect(md).toContain('- met: order SAMix ≥ AutoMix');
    expect(md).toContain(
      '- MISSED: SAMix momentum encoder within 3 points of the online one: q 91.00, k 85.00',
    );
    expect(md).toContain('- n/a: SAMix object kept ≥ 1.15 on every seed: no object masks');
  });
});
