import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../core/trainerTypes';
import {
  INITIAL_RECOVERY,
  MAX_RECOVERIES,
  describeFailure,
  dropAfter,
  nextBackend,
  planRecovery,
  restartedFromScratch,
  restartedIdle,
  restored,
  type Failure,
} from './recovery';
import { emptyRunData } from './runState';

const fail = (kind: Failure['kind'], backend: Failure['backend'], step = 412): Failure => ({
  kind,
  backend,
  step,
  reason: 'test',
});

describe('nextBackend', () => {
  it.each([
    ['webgpu', [], 'webgl'],
    ['webgl', [], 'wasm'],
    ['wasm', [], 'cpu'],
    ['cpu', [], null],
    ['webgpu', ['webgl'], 'wasm'],
    ['webgpu', ['webgl', 'wasm'], 'cpu'],
    [null, ['webgpu'], 'webgl'],
  ] as const)('after %s with %j failed → %s', (current, failed, next) => {
    expect(nextBackend(current, failed)).toBe(next);
  });
});

describe('planRecovery', () => {
  it('WebGPU device lost → restart on WebGL, then the status line names both steps', () => {
    const s = planRecovery(INITIAL_RECOVERY, fail('deviceLost', 'webgpu'), true);
    expect(s).toMatchObject({
      phase: 'restarting',
      target: 'webgl',
      failed: ['webgpu'],
      resume: true,
      count: 1,
    });
    expect(s.message).toBe('WebGPU device lost at step 412 — restarting on WebGL…');
    expect(restored(s, 400, 'wasm').message).toBe(
      'WebGPU device lost at step 412 — continued on wasm from checkpoint at step 400',
    );
    expect(restored(s, 400, 'wasm').phase).toBe('idle');
  });

  it('WebGL context lost → wasm; out of memory on wasm → cpu; cpu lost too → gives up', () => {
    let s = planRecovery(INITIAL_RECOVERY, fail('contextLost', 'webgl', 9), false);
    expect([s.target, s.resume]).toEqual(['wasm', false]);
    s = planRecovery(s, fail('oom', 'wasm', 20), true);
    expect(s.target).toBe('cpu');
    expect(s.message).toBe('wasm ran out of memory at step 20 — restarting on cpu…');
    s = planRecovery(s, fail('oom', 'cpu', 30), true);
    expect(s.phase).toBe('gaveUp');
    expect(s.target).toBeNull();
    expect(s.message).toMatch(
      /^cpu ran out of memory at step 30 — no other backend left to try \(failed: WebGL, wasm, cpu\)/,
    );
  });

  it('a crash is retried once on the same backend, a second crash there moves on', () => {
    const s1 = planRecovery(INITIAL_RECOVERY, fail('crash', 'wasm', 5), true);
    expect([s1.target, s1.failed, s1.crashedOnce]).toEqual(['wasm', [], ['wasm']]);
    expect(s1.message).toBe('The training worker crashed at step 5 (wasm) — restarting on wasm…');
    const s2 = planRecovery(s1, fail('hang', 'wasm', 6), true);
    expect([s2.target, s2.failed]).toEqual(['cpu', ['wasm']]);
  });

  it('a crash before the backend was known restarts with the first backend that has not failed', () => {
    const s = planRecovery({ ...INITIAL_RECOVERY, failed: ['webgpu'] }, fail('crash', null, 0), false);
    expect(s.target).toBe('webgl');
  });

  it(`gives up after ${MAX_RECOVERIES} recoveries even with backends left`, () => {
    let s = INITIAL_RECOVERY;
    for (let i = 0; i < MAX_RECOVERIES; i++) {
      s = planRecovery({ ...s, crashedOnce: [] }, fail('crash', 'wasm', i), true);
      expect(s.phase).toBe('restarting');
    }
    s = planRecovery({ ...s, crashedOnce: [] }, fail('crash', 'wasm', 99), true);
    expect(s.phase).toBe('gaveUp');
    expect(s.message).toMatch(new RegExp(`gave up after ${MAX_RECOVERIES} recoveries`));
  });

  it('without a checkpoint the line says the run restarted from step 0', () => {
    const s = planRecovery(INITIAL_RECOVERY, fail('crash', 'wasm', 7), true);
    expect(restartedFromScratch(s, 'wasm', 'none saved yet').message).toBe(
      'The training worker crashed at step 7 (wasm) — no checkpoint to restore (none saved yet); restarted on wasm from step 0',
    );
  });

  it('a crash before any run ends the recovery at once, saying nothing was in progress', () => {
    const s = planRecovery(INITIAL_RECOVERY, fail('crash', 'wasm', 0), false);
    expect(s.phase).toBe('restarting');
    const idle = restartedIdle(s, 'wasm');
    expect(idle.phase).toBe('idle');
    expect(idle.message).toBe(
      'The training worker crashed at step 0 (wasm) — restarted on wasm; no run was in progress',
    );
  });

  it('describes every failure kind with its step', () => {
    for (const kind of ['deviceLost', 'contextLost', 'oom', 'crash', 'hang'] as const)
      expect(describeFailure(fail(kind, 'webgl', 3))).toMatch(/ at step 3/);
  });
});

describe('dropAfter', () => {
  it('keeps exactly the points at or before the restored step', () => {
    const d = emptyRunData();
    d.metrics = [1, 2, 3, 4, 5].map((step) => ({ step }) as StepMetrics);
    d.evals = [2, 4].map((step) => ({ step, testAccQ: 0, testAccK: 0 }));
    d.marks = [
      { step: 1, label: 'a' },
      { step: 5, label: 'b' },
    ];
    dropAfter(d, 3);
    expect(d.metrics.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(d.evals.map((e) => e.step)).toEqual([2]);
    expect(d.marks.map((m) => m.step)).toEqual([1]);
  });
});
