import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import { point, trainerStateHarness as harness } from '../testing/fixtures';

describe('applyMessage: checkpoints, divergence, restore', () => {
  it('records checkpoints and divergence; a restore cuts the curves at the checkpoint and clears the divergence', () => {
    const h = harness();
    const memory = { numTensors: 1, numBytes: 2 };
    h.send({ type: 'metrics', runId: 1, points: [1, 2, 3, 4, 5, 6].map(point), memory });
    h.send({ type: 'eval', runId: 1, result: { step: 2, testAccQ: 0.1, testAccK: 0.1 } });
    h.send({ type: 'eval', runId: 1, result: { step: 6, testAccQ: 0.2, testAccK: 0.2 } });
    h.send({ type: 'live', runId: 1, step: 5, patch: { eta: 8 } });
    h.send({ type: 'checkpoint', runId: 1, key: 'run-k', step: 4, bytes: 1234, finished: false });
    expect(h.get().checkpoint).toEqual({ key: 'run-k', step: 4, bytes: 1234, finished: false });
    expect(h.get().runKey).toBe('run-k');
    h.send({ type: 'diverged', runId: 1, step: 6, term: 'global', message: 'm', rollbackStep: 4 });
    expect(h.get().divergence).toEqual({ step: 6, term: 'global', message: 'm', rollbackStep: 4 });

    const config = { ...DEFAULT_CONFIG, eta: 0.25 };
    h.send({ type: 'restored', runId: 1, key: 'run-k', step: 4, config, reason: 'rollback', note: '' });
    expect(h.d.metrics.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(h.d.evals.map((e) => e.step)).toEqual([2]);
    expect(h.d.marks).toEqual([]);
    expect(h.get()).toMatchObject({ step: 4, divergence: null, restored: { step: 4, reason: 'rollback' } });
    expect(h.get().restored?.config.eta).toBe(0.25);
    expect(h.get().errors).toEqual([]);

    h.send({
      type: 'restored',
      runId: 1,
      key: 'run-k',
      step: 2,
      config,
      reason: 'restore',
      note: 'fell back',
    });
    expect(h.get().errors).toEqual([{ name: 'CheckpointNote', message: 'fell back' }]);
    expect(h.d.metrics.map((p) => p.step)).toEqual([1, 2]);
  });
});
