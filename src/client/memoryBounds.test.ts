import { describe, expect, it } from 'vitest';
import type { ProbeResult, StepMetrics } from '../core/trainerTypes';
import { MAX_FRAMES, MAX_HISTORY_BYTES, frameBytes } from '../export/maskHistory';
import { probePair } from '../testing/fixtures';
import { MAX_POINTS, applyMessage } from './applyMessage';
import { EMPTY, emptyRunData, type TrainerState } from './runState';

/** A long run's messages, applied the way useTrainer applies them: what the page holds stays bounded. */
function probe(step: number, side: number, channels: number): ProbeResult {
  const pair = probePair(side, channels, 0, { objectKeptA: 1, objectKeptB: 0 });
  return { step, width: side, height: side, channels, pairs: [pair, pair] };
}

const point = (step: number) => ({ step }) as StepMetrics;

describe('page memory under a long run', () => {
  it('metrics and evaluations stay under MAX_POINTS and keep the first and the latest step', () => {
    const d = emptyRunData();
    let state: TrainerState = EMPTY;
    const set = (u: TrainerState | ((s: TrainerState) => TrainerState)) => {
      state = typeof u === 'function' ? u(state) : u;
    };
    const traffic = { bytes: 0, probes: 0, metrics: 0 };
    const total = 5 * MAX_POINTS;
    for (let s = 1; s <= total; s += 25) {
      const points = Array.from({ length: 25 }, (_, k) => point(s + k));
      applyMessage(
        { type: 'metrics', runId: 1, points, memory: { numTensors: 1, numBytes: 1 } },
        d,
        traffic,
        set,
      );
      applyMessage(
        { type: 'eval', runId: 1, result: { step: s, testAccQ: 0, testAccK: 0 } },
        d,
        traffic,
        set,
      );
      expect(d.metrics.length).toBeLessThanOrEqual(MAX_POINTS);
    }
    expect(d.metrics[0].step).toBe(1);
    expect(d.metrics[d.metrics.length - 1].step).toBe(total);
    expect(d.evals.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(state.step).toBe(total);
    // Still dense enough to draw: at least half the cap survives thinning.
    expect(d.metrics.length).toBeGreaterThanOrEqual(MAX_POINTS / 2);
  });

  it('the mask history holds at most MAX_HISTORY_BYTES for large images and MAX_FRAMES for small ones', () => {
    for (const [side, channels] of [
      [96, 3],
      [4, 1],
    ] as const) {
      const d = emptyRunData();
      const traffic = { bytes: 0, probes: 0, metrics: 0 };
      const n = 2 * MAX_FRAMES + 10;
      for (let s = 1; s <= n; s++)
        applyMessage(
          { type: 'probe', runId: 1, result: probe(s, side, channels) },
          d,
          traffic,
          () => undefined,
        );
      const bytes = d.frames.reduce((a, f) => a + frameBytes(f), 0);
      expect(d.frames.length).toBeLessThanOrEqual(MAX_FRAMES);
      expect(bytes).toBeLessThanOrEqual(MAX_HISTORY_BYTES + frameBytes(d.frames[0]));
      expect(d.frames[0].step).toBe(1);
      expect(d.frames[d.frames.length - 1].step).toBe(n);
      expect(d.images.size).toBe(1);
    }
  });
});
