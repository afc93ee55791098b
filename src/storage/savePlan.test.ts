import { describe, expect, it } from 'vitest';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import { toFrame, type MaskFrame } from '../export/maskHistory';
import { probeResult as probe, variedPoint as point } from '../testing/runPartsFixtures';
import { after, MAX_CHUNKS, planSave } from './savePlan';

interface Data {
  metrics: StepMetrics[];
  evals: EvalResult[];
  frames: MaskFrame[];
  images: Map<string, never>;
}

/** Live run data up to `n` steps: a point per step, an eval every 10, a frame every 5. */
function grow(d: Data, n: number): void {
  const from = (d.metrics[d.metrics.length - 1]?.step ?? 0) + 1;
  for (let s = from; s <= n; s++) {
    d.metrics = d.metrics.concat(point(s));
    if (s % 10 === 0) d.evals = d.evals.concat({ step: s, testAccQ: s / 1000, testAccK: NaN });
    if (s % 5 === 0) d.frames = d.frames.concat(toFrame(probe(s)));
  }
}
const empty = (): Data => ({ metrics: [], evals: [], frames: [], images: new Map<string, never>() });
const stepsOf = (xs: ReadonlyArray<{ step: number }>) => xs.map((x) => x.step);

describe('after', () => {
  it('gives the items past a step of a sorted array, none when nothing is new', () => {
    const xs = [1, 2, 5, 9].map((step) => ({ step }));
    expect(stepsOf(after(xs, 2))).toEqual([5, 9]);
    expect(stepsOf(after(xs, -Infinity))).toEqual([1, 2, 5, 9]);
    expect(after(xs, 9)).toEqual([]);
    expect(after([], 3)).toEqual([]);
  });
});

describe('planSave', () => {
  it('saves a new run in full, then only what arrived since the last save', () => {
    const d = empty();
    grow(d, 100);
    const first = planSave(null, 'k', d, null);
    expect([first.full, first.seq, first.metrics.length, first.evals.length, first.frames.length]).toEqual([
      true,
      0,
      100,
      10,
      20,
    ]);
    grow(d, 130);
    const second = planSave(first.next, 'k', d, null);
    expect([second.full, second.seq]).toEqual([false, 1]);
    expect(stepsOf(second.metrics)).toEqual(Array.from({ length: 30 }, (_, i) => 101 + i));
    expect(stepsOf(second.evals)).toEqual([110, 120, 130]);
    expect(stepsOf(second.frames)).toEqual([105, 110, 115, 120, 125, 130]);
    // Nothing new: an empty chunk (the head and summary are still written).
    const third = planSave(second.next, 'k', d, null);
    expect([third.full, third.seq, third.metrics.length, third.frames.length]).toEqual([false, 2, 0, 0]);
  });

  it('the chunks of a growing run hold each point once, in order, the same as the run', () => {
    const d = empty();
    let mark = null;
    const saved: number[] = [];
    for (const n of [7, 7, 23, 60, 61, 140]) {
      grow(d, n);
      const plan = planSave(mark, 'k', d, null);
      if (plan.full) saved.length = 0;
      saved.push(...stepsOf(plan.metrics));
      mark = plan.next;
    }
    expect(saved).toEqual(stepsOf(d.metrics));
  });

  it('saves in full for another run, replaced run data, a restore, and after a failed save (no mark)', () => {
    const d = empty();
    grow(d, 50);
    const mark = planSave(null, 'k', d, null).next;
    grow(d, 60);
    expect(planSave(mark, 'k', d, null).full).toBe(false);
    expect(planSave(mark, 'other', d, null).full).toBe(true);
    expect(planSave(mark, 'k', { ...d }, null).full).toBe(true);
    // Restored to step 40: the stored curves run past it, so they are replaced.
    d.metrics = d.metrics.filter((m) => m.step <= 40);
    const restored = planSave(mark, 'k', d, { step: 40 });
    expect([restored.full, restored.metrics.length, restored.next.metricStep]).toEqual([true, 40, 40]);
    expect(planSave(null, 'k', d, null).full).toBe(true);
  });

  it('saves in full once the stored chunks outgrow what the page holds (thinned) or number MAX_CHUNKS', () => {
    const d = empty();
    grow(d, 1000);
    let mark = planSave(null, 'k', d, null).next;
    // The page thins its points to every other one: the store holds twice as many (still chunks)…
    d.metrics = d.metrics.filter((_, i) => i % 2 === 0);
    grow(d, 1005);
    const once = planSave(mark, 'k', d, null);
    expect(once.full).toBe(false);
    mark = once.next;
    // …and, thinned again, more than twice as many: written whole, as the page holds it.
    d.metrics = d.metrics.filter((_, i) => i % 2 === 0);
    grow(d, 1010);
    const thinned = planSave(mark, 'k', d, null);
    expect(thinned.full).toBe(true);
    expect(thinned.next.metrics).toBe(d.metrics.length);
    mark = thinned.next;
    for (let i = 1; i < MAX_CHUNKS; i++) {
      grow(d, 1010 + i);
      const plan = planSave(mark, 'k', d, null);
      expect(plan.full, `save ${i}`).toBe(false);
      mark = plan.next;
    }
    grow(d, 1010 + MAX_CHUNKS);
    expect(planSave(mark, 'k', d, null).full).toBe(true);
  });
});
