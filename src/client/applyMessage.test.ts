import { describe, expect, it } from 'vitest';
import { point, trainerStateHarness as harness } from '../testing/fixtures';
import { MAX_POINTS } from './applyMessage';

describe('applyMessage', () => {
  it('appends metrics, tracks the step and caps the history', () => {
    const h = harness();
    const memory = { numTensors: 1, numBytes: 2 };
    h.send({ type: 'metrics', runId: 1, points: [point(1), point(2)], memory });
    expect(h.get().step).toBe(2);
    expect(h.d.metrics.map((m) => m.step)).toEqual([1, 2]);
    h.send({
      type: 'metrics',
      runId: 1,
      points: Array.from({ length: MAX_POINTS }, (_, i) => point(i + 3)),
      memory,
    });
    expect(h.d.metrics.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(h.d.metrics[h.d.metrics.length - 1].step).toBe(MAX_POINTS + 2);
    expect(h.traffic.metrics).toBe(2);
  });

  it('records live changes as chart marks and errors as messages', () => {
    const h = harness();
    h.send({ type: 'live', runId: 1, step: 7, patch: { eta: 1 } });
    expect(h.d.marks).toEqual([{ step: 7, label: 'eta=1' }]);
    h.send({
      type: 'error',
      runId: null,
      error: { name: 'DataError', message: 'x.bin: truncated' },
      fatal: false,
    });
    expect(h.get().errors).toEqual([{ name: 'DataError', message: 'x.bin: truncated' }]);
    expect(h.get().status).toBe('idle');
  });
});
