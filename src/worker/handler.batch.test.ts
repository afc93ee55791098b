import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import type { BatchSamples, EvalResult } from '../core/trainerTypes';
import { StubTrainer, stubDeps, tinyImages, until } from '../testing/handlerHarness';
import { PROBE_EVERY_MS, PROBE_MIN_MS, createHandler } from './handler';
import type { FromWorker } from './protocol';

const data = tinyImages(2);

/** A trainer double on a simulated clock: every step takes `stepMs`. */
function run(stepMs: number, steps: number) {
  let clock = 0;
  const out: Array<{ msg: FromWorker; transfer: Transferable[]; at: number }> = [];
  class Timed extends StubTrainer {
    step(): unknown {
      clock += stepMs;
      return super.step();
    }
    async evaluate(): Promise<EvalResult> {
      return { step: this.stepCount, testAccQ: 0, testAccK: NaN };
    }
    async lastBatchSamples(k: number): Promise<BatchSamples | null> {
      if (this.stepCount === 0) return null;
      return {
        step: this.stepCount,
        height: 2,
        width: 2,
        channels: 1,
        images: Array.from({ length: k }, () => new Uint8Array(4)),
        lam: Array(k).fill(0.3),
        labelA: Array(k).fill(0),
        labelB: Array(k).fill(1),
      };
    }
  }
  const deps = stubDeps(data, () => new Timed(2, stepMs), {
    now: () => clock,
    yieldNow: () => Promise.resolve(),
  });
  const handle = createHandler((msg, transfer = []) => out.push({ msg, transfer, at: clock }), deps);
  return { out, handle, config: { ...DEFAULT_CONFIG, steps, evalEvery: 1000 } };
}

describe('probe cadence and current-batch samples', () => {
  it.each([50, 100, 250, 300, 400, 700, 1200])(
    'with %i ms steps, probes come at least every second (every step when steps are longer)',
    async (stepMs) => {
      const { out, handle, config } = run(stepMs, 40);
      await handle({ type: 'start', runId: 1, config, autoRun: true });
      await until(() => out.some((o) => o.msg.type === 'status' && o.msg.status === 'done'));
      const at = out.filter((o) => o.msg.type === 'probe').map((o) => o.at);
      expect(at.length).toBeGreaterThan(3);
      const gaps = at.slice(1).map((t, i) => t - at[i]);
      const regular = gaps.slice(0, -1); // the last probe is forced by the end of the run
      expect(PROBE_EVERY_MS).toBeLessThanOrEqual(1000);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(Math.max(PROBE_EVERY_MS, stepMs));
      // ...and not needlessly often: never closer than PROBE_MIN_MS, nor than half the period for fast steps.
      expect(Math.min(...regular)).toBeGreaterThanOrEqual(Math.max(PROBE_MIN_MS, stepMs));
      if (stepMs <= 100) expect(Math.min(...regular)).toBeGreaterThanOrEqual(PROBE_EVERY_MS / 2);
    },
  );

  it('each probe after a step is followed by samples of that step, their buffers transferred', async () => {
    const { out, handle, config } = run(250, 12);
    await handle({ type: 'start', runId: 7, config, autoRun: true });
    await until(() => out.some((o) => o.msg.type === 'status' && o.msg.status === 'done'));
    const probes = out.filter((o) => o.msg.type === 'probe');
    const batches = out.filter((o) => o.msg.type === 'batch');
    // The probe at start (step 0) has no batch yet; every later probe has one.
    expect(batches.length).toBe(probes.length - 1);
    for (const b of batches) {
      if (b.msg.type !== 'batch') continue;
      expect(b.msg.runId).toBe(7);
      expect(b.msg.samples.images.length).toBe(4);
      expect(b.transfer).toEqual(b.msg.samples.images.map((im) => im.buffer));
      const probe = out[out.indexOf(b) - 1].msg;
      expect(probe.type === 'probe' && probe.result.step).toBe(b.msg.samples.step);
    }
  });
});
