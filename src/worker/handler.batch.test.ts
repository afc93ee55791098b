import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import type { BatchSamples, EvalResult, ProbeResult, StepMetrics } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import { PROBE_EVERY_MS, PROBE_MIN_MS, createHandler, type TrainerLike } from './handler';
import type { FromWorker } from './protocol';

const data: ImageDataset = {
  name: 'shapes',
  classes: ['a', 'b'],
  height: 2,
  width: 2,
  channels: 1,
  train: { count: 2, images: new Uint8Array(8), labels: new Uint8Array([0, 1]) },
  test: { count: 4, images: new Uint8Array(16), labels: new Uint8Array([0, 1, 0, 1]) },
  mean: [0],
  std: [1],
  flip: false,
};

/** A trainer double on a simulated clock: every step takes `stepMs`. */
function run(stepMs: number, steps: number) {
  let clock = 0;
  const out: Array<{ msg: FromWorker; transfer: Transferable[]; at: number }> = [];
  class Timed implements TrainerLike {
    stepCount = 0;
    epoch = 0;
    step(): unknown {
      clock += stepMs;
      return ++this.stepCount;
    }
    async read(pending: unknown[]): Promise<StepMetrics[]> {
      return (pending as number[]).map((step) => ({
        step,
        epoch: 0,
        lamMb: 0.5,
        lamBb: 0.5,
        maskMean: 0.5,
        loss: { total: 1, local: 0, global: 0, mixer: 0, mask: 0, maskL1: 0, maskVar: 0, mixQ: 1, oneQ: 0 },
        acc: { train: 0.5 },
        msPerStep: stepMs,
      }));
    }
    async evaluate(): Promise<EvalResult> {
      return { step: this.stepCount, testAccQ: 0, testAccK: NaN };
    }
    async probe(): Promise<ProbeResult> {
      return { step: this.stepCount, height: 2, width: 2, channels: 1, pairs: [] };
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
    setLive(): void {}
    dispose(): void {}
  }
  const handle = createHandler((msg, transfer = []) => out.push({ msg, transfer, at: clock }), {
    selectBackend: async () => ({
      active: 'wasm',
      adapter: '',
      isSoftware: true,
      forced: null,
      skipped: [],
      initMs: 0,
    }),
    loadDataset: async () => data,
    importData: async () => data,
    listDatasets: async () => [],
    deleteDataset: async () => undefined,
    createTrainer: () => new Timed(),
    memory: () => ({ numTensors: 0, numBytes: 0 }),
    now: () => clock,
    yieldNow: () => Promise.resolve(),
  });
  return { out, handle, config: { ...DEFAULT_CONFIG, steps, evalEvery: 1000 } };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
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
