import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import { DeviceWatch, type BackendLoss } from './deviceWatch';
import { createHandler, type DeviceGuard, type TrainerLike } from './handler';
import type { FromWorker, ToWorker } from './protocol';

class CountingTrainer implements TrainerLike {
  stepCount = 0;
  epoch = 0;
  throwAt = -1;
  thrown: Error = new Error('NaN in global');
  step(): unknown {
    if (this.stepCount + 1 === this.throwAt) throw this.thrown;
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
      msPerStep: 0,
    }));
  }
  async evaluate(): Promise<EvalResult> {
    return { step: this.stepCount, testAccQ: 0.1, testAccK: 0.1 };
  }
  async probe(): Promise<ProbeResult> {
    return { step: this.stepCount, height: 1, width: 1, channels: 1, pairs: [] };
  }
  setLive(): void {}
  dispose(): void {}
}

const data: ImageDataset = {
  name: 'shapes',
  classes: ['a', 'b'],
  height: 1,
  width: 1,
  channels: 1,
  train: { count: 2, images: new Uint8Array(2), labels: new Uint8Array([0, 1]) },
  test: { count: 2, images: new Uint8Array(2), labels: new Uint8Array([0, 1]) },
  mean: [0],
  std: [1],
  flip: false,
};

function setup(device: DeviceGuard) {
  const out: FromWorker[] = [];
  const trainer = new CountingTrainer();
  let clock = 0;
  const handle = createHandler((m) => out.push(m), {
    selectBackend: async () => ({
      active: 'wasm',
      adapter: 'test',
      isSoftware: true,
      forced: null,
      skipped: [],
      initMs: 1,
    }),
    loadDataset: async () => data,
    importData: async () => data,
    listDatasets: async () => [],
    deleteDataset: async () => undefined,
    createTrainer: () => trainer,
    memory: () => ({ numTensors: 0, numBytes: 0 }),
    now: () => (clock += 10),
    yieldNow: () => new Promise((r) => setTimeout(r, 1)),
    device,
  });
  return { out, trainer, send: (m: ToWorker) => handle(m) };
}

const cfg: RunConfig = { ...DEFAULT_CONFIG, steps: 100_000, evalEvery: 1000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lost = (out: FromWorker[]) => out.filter((m) => m.type === 'backendLost');

describe('handler: backend loss', () => {
  it('an injected out-of-memory stops the loop and posts one backendLost naming backend and step', async () => {
    const watch = new DeviceWatch();
    watch.attach('wasm');
    const { out, trainer, send } = setup(watch);
    await send({ type: 'init', forced: null });
    await send({ type: 'start', runId: 3, config: cfg, autoRun: true });
    await sleep(30);
    await send({ type: 'injectFault', kind: 'oom' });
    await sleep(30);
    const held = trainer.stepCount;
    await sleep(30);
    expect(trainer.stepCount).toBe(held); // no step after the loss
    expect(held).toBeGreaterThan(0);
    expect(lost(out)).toEqual([
      {
        type: 'backendLost',
        runId: 3,
        backend: 'wasm',
        kind: 'oom',
        reason: expect.stringMatching(/out of memory/),
        step: held,
        running: true,
      },
    ]);
    expect(out.some((m) => m.type === 'error')).toBe(false);
    // A resume on the lost backend is refused: the page restarts the worker instead.
    await send({ type: 'resume', runId: 3 });
    await sleep(20);
    expect(trainer.stepCount).toBe(held);
  });

  it('an allocation RangeError thrown by a step is classified as out of memory', async () => {
    const watch = new DeviceWatch();
    watch.attach('wasm');
    const { out, trainer, send } = setup(watch);
    await send({ type: 'init', forced: null });
    await send({ type: 'start', runId: 1, config: cfg, autoRun: false });
    trainer.throwAt = 2;
    trainer.thrown = new RangeError('Array buffer allocation failed');
    await send({ type: 'step', runId: 1, part: 'both' });
    await send({ type: 'step', runId: 1, part: 'both' });
    expect(lost(out).map((m) => (m.type === 'backendLost' ? [m.kind, m.step] : null))).toEqual([['oom', 1]]);
  });

  it('a loss outside a step (device.lost) is posted once even while paused', async () => {
    let fire: (l: BackendLoss) => void = () => undefined;
    const guard: DeviceGuard = {
      check: () => undefined,
      classify: () => null,
      inject: () => undefined,
      onLost: (cb) => {
        fire = cb;
      },
    };
    const { out, send } = setup(guard);
    await send({ type: 'init', forced: null });
    await send({ type: 'start', runId: 2, config: cfg, autoRun: false });
    fire({ kind: 'deviceLost', reason: 'WebGPU device lost (destroyed)' });
    fire({ kind: 'deviceLost', reason: 'again' });
    expect(lost(out)).toHaveLength(1);
    expect(lost(out)[0]).toMatchObject({ runId: 2, kind: 'deviceLost', step: 0, running: false });
  });

  it('an ordinary step error still pauses with an error message, not a backend loss', async () => {
    const watch = new DeviceWatch();
    watch.attach('wasm');
    const { out, trainer, send } = setup(watch);
    await send({ type: 'init', forced: null });
    await send({ type: 'start', runId: 1, config: cfg, autoRun: false });
    trainer.throwAt = 1;
    await send({ type: 'step', runId: 1, part: 'both' });
    expect(lost(out)).toEqual([]);
    expect(out.some((m) => m.type === 'error' && /NaN in global/.test(m.error.message))).toBe(true);
  });
});
