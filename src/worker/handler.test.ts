import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import type { StepPart } from '../core/trainerTypes';
import {
  StubTrainer,
  sleep,
  startHandler,
  statuses,
  stubDeps,
  tinyImages,
  turns,
  until,
} from '../testing/handlerHarness';
import { createHandler, type HandlerDeps } from './handler';

/** A trainer double that counts steps and records what it was asked, with no tensors. */
class FakeTrainer extends StubTrainer {
  parts: StepPart[] = [];
  live: Array<Partial<RunConfig>> = [];
  disposed = false;
  failAt = -1;
  step(part: StepPart = 'both'): unknown {
    if (this.stepCount + 1 === this.failAt) throw new Error('NaN in global');
    this.parts.push(part);
    return super.step(part);
  }
  setLive(patch: Partial<RunConfig>): void {
    this.live.push(patch);
  }
  dispose(): void {
    this.disposed = true;
  }
}

const tinyData = tinyImages();

const noImports = {
  importData: async () => {
    throw new Error('no imports in this test');
  },
  listDatasets: async () => [],
  deleteDataset: async () => undefined,
};

function setup(loadDelay = 0, imports: Partial<HandlerDeps> = noImports) {
  const trainers: FakeTrainer[] = [];
  const createTrainer = () => {
    const t = new FakeTrainer();
    trainers.push(t);
    return t;
  };
  const loadDataset = async () => {
    await sleep(loadDelay);
    return tinyData;
  };
  const { out, send } = startHandler(
    stubDeps(tinyData, createTrainer, { loadDataset, ...noImports, ...imports }),
  );
  return { out, trainers, send };
}

const cfg = (patch: Partial<RunConfig> = {}): RunConfig => ({
  ...DEFAULT_CONFIG,
  steps: 1000,
  evalEvery: 5,
  ...patch,
});

describe('worker handler', () => {
  it('a step sent while the run is still loading is applied after it loads, exactly once', async () => {
    const { out, trainers, send } = setup(20);
    const started = send({ type: 'start', runId: 1, config: cfg(), autoRun: false });
    const stepped = send({ type: 'step', runId: 1, part: 'mixer' });
    await Promise.all([started, stepped]);
    expect(trainers[0].stepCount).toBe(1);
    expect(trainers[0].parts).toEqual(['mixer']);
    const metrics = out.filter((m) => m.type === 'metrics');
    expect(metrics.map((m) => (m.type === 'metrics' ? m.points.map((p) => p.step) : []))).toEqual([[1]]);
    expect(statuses(out).slice(-1)).toEqual(['paused']);
  });

  it('pause stops the loop and holds the step count; resume continues', async () => {
    const { trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: true });
    await until(() => trainers[0].stepCount > 0);
    await send({ type: 'pause', runId: 1 });
    const held = trainers[0].stepCount;
    expect(held).toBeGreaterThan(0);
    await turns();
    expect(trainers[0].stepCount).toBe(held);
    await send({ type: 'resume', runId: 1 });
    await until(() => trainers[0].stepCount > held);
    expect(trainers[0].stepCount).toBeGreaterThan(held);
    await send({ type: 'reset', runId: 2 });
  });

  it('after a reset no message carries the old run id and the trainer is disposed', async () => {
    const { out, trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: true });
    await until(() => trainers[0].stepCount > 0);
    await send({ type: 'reset', runId: 2 });
    const cut = out.length;
    await until(() => trainers[0].disposed);
    await turns();
    expect(trainers[0].disposed).toBe(true);
    expect(out.slice(cut).filter((m) => 'runId' in m && m.runId === 1)).toEqual([]);
  });

  it('stops by itself at the step budget and reports done', async () => {
    const { out, trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg({ steps: 7 }), autoRun: true });
    await until(() => statuses(out).includes('done'));
    expect(trainers[0].stepCount).toBe(7);
    expect(statuses(out).slice(-1)).toEqual(['done']);
    const steps = out.flatMap((m) => (m.type === 'metrics' ? m.points.map((p) => p.step) : []));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(out.filter((m) => m.type === 'eval').length).toBe(2); // steps 5 and 7
  });

  it('a failing step pauses the run with a message and keeps the trainer', async () => {
    const { out, trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: false });
    trainers[0].failAt = 3;
    await send({ type: 'resume', runId: 1 });
    await until(() => out.some((m) => m.type === 'error') && statuses(out).slice(-1)[0] === 'paused');
    const err = out.find((m) => m.type === 'error');
    expect(err && err.type === 'error' ? err.error.message : '').toBe('in step 3: NaN in global');
    expect(statuses(out).slice(-1)).toEqual(['paused']);
    expect(trainers[0].disposed).toBe(false);
    expect(trainers[0].stepCount).toBe(2);
  });

  it('live changes reach the trainer and are echoed with the step they apply from', async () => {
    const { out, trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: false });
    await send({ type: 'step', runId: 1, part: 'both' });
    await send({ type: 'setLive', runId: 1, patch: { eta: 1 } });
    expect(trainers[0].live).toEqual([{ eta: 1 }]);
    expect(out.find((m) => m.type === 'live')).toEqual({
      type: 'live',
      runId: 1,
      step: 1,
      patch: { eta: 1 },
    });
  });

  it('messages for another run id are ignored', async () => {
    const { trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: false });
    await send({ type: 'step', runId: 99, part: 'both' });
    expect(trainers[0].stepCount).toBe(0);
  });
});

describe('worker handler start-up order', () => {
  it('a start sent before the backend is ready waits for backend selection', async () => {
    const order: string[] = [];
    const h = createHandler(() => undefined, {
      selectBackend: async () => {
        await sleep(20);
        order.push('backend');
        return { active: 'wasm', adapter: '', isSoftware: true, forced: null, skipped: [], initMs: 1 };
      },
      loadDataset: async () => {
        order.push('data');
        return tinyData;
      },
      createTrainer: () => new FakeTrainer(),
      memory: () => ({ numTensors: 0, numBytes: 0 }),
      now: () => 0,
      yieldNow: () => Promise.resolve(),
      ...noImports,
    });
    await Promise.all([
      h({ type: 'init', forced: null }),
      h({ type: 'start', runId: 1, config: cfg(), autoRun: false }),
    ]);
    expect(order).toEqual(['backend', 'data']);
  });
});

describe('worker handler data imports', () => {
  it('a failing import reports the file and problem while the run keeps training', async () => {
    const { out, trainers, send } = setup(0, {
      importData: async (_s, _o, progress) => {
        progress('reading data_batch_1.bin', 10, 20);
        await sleep(20);
        throw new Error('data_batch_1.bin: size 3072 is not a multiple of 3,073 bytes');
      },
    });
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: true });
    await until(() => trainers[0].stepCount > 0);
    const before = trainers[0].stepCount;
    await send({
      type: 'importData',
      requestId: 5,
      source: { kind: 'cifar10', files: [] },
      options: { size: 32, channels: 3 },
    });
    await until(() => out.some((m) => m.type === 'dataFailed') && trainers[0].stepCount > before);
    expect(trainers[0].stepCount).toBeGreaterThan(before);
    expect(statuses(out).slice(-1)).toEqual(['running']);
    const failed = out.find((m) => m.type === 'dataFailed');
    expect(failed && failed.type === 'dataFailed' ? failed.error.message : '').toBe(
      'data_batch_1.bin: size 3072 is not a multiple of 3,073 bytes',
    );
    expect(out.find((m) => m.type === 'dataProgress')).toMatchObject({ requestId: 5, loaded: 10, total: 20 });
    await send({ type: 'reset', runId: 2 });
  });

  it('a successful import reports class counts per split', async () => {
    const { out, send } = setup(0, { importData: async () => ({ ...tinyData, name: 'folder' }) });
    await send({
      type: 'importData',
      requestId: 1,
      source: { kind: 'zip', file: new File([], 'x.zip') },
      options: { size: 32, channels: 3 },
    });
    const done = out.find((m) => m.type === 'dataImported');
    expect(done).toMatchObject({
      requestId: 1,
      info: { name: 'folder', trainCount: 2, testCount: 4 },
      classCounts: { train: [1, 1], test: [2, 2] },
    });
  });
});

describe('worker handler divergence guard', () => {
  it('pauses the run, keeps its state and names the term that blew up', async () => {
    const { out, trainers, send } = setup();
    await send({ type: 'start', runId: 1, config: cfg(), autoRun: false });
    const t = trainers[0];
    const read = t.read.bind(t);
    t.read = async (pending) =>
      (await read(pending)).map((p) => (p.step === 3 ? { ...p, loss: { ...p.loss, global: NaN } } : p));
    await send({ type: 'resume', runId: 1 });
    await until(() => out.some((m) => m.type === 'error') && statuses(out).slice(-1)[0] === 'paused');
    const err = out.find((m) => m.type === 'error');
    expect(err && err.type === 'error' ? err.error.name : '').toBe('DivergenceError');
    expect(err && err.type === 'error' ? err.error.message : '').toContain(
      'The global loss became NaN at step 3',
    );
    expect(statuses(out).slice(-1)).toEqual(['paused']);
    expect(t.disposed).toBe(false);
  });
});
