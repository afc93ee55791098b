import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import {
  StubTrainer,
  ofType,
  startHandler,
  stubDeps,
  tinyImages,
  turns,
  until,
} from '../testing/handlerHarness';
import { DeviceWatch, type BackendLoss } from './deviceWatch';
import type { DeviceGuard } from './handler';
import type { FromWorker } from './protocol';

class CountingTrainer extends StubTrainer {
  throwAt = -1;
  thrown: Error = new Error('NaN in global');
  step(): unknown {
    if (this.stepCount + 1 === this.throwAt) throw this.thrown;
    return super.step();
  }
}

const data = tinyImages(1, 2);

function setup(device: DeviceGuard) {
  const trainer = new CountingTrainer();
  const { out, send } = startHandler(stubDeps(data, () => trainer, { device }));
  return { out, trainer, send };
}

const cfg: RunConfig = { ...DEFAULT_CONFIG, steps: 100_000, evalEvery: 1000 };
const lost = (out: FromWorker[]) => ofType(out, 'backendLost');

describe('handler: backend loss', () => {
  it('an injected out-of-memory stops the loop and posts one backendLost naming backend and step', async () => {
    const watch = new DeviceWatch();
    watch.attach('wasm');
    const { out, trainer, send } = setup(watch);
    await send({ type: 'init', forced: null, testHooks: true });
    await send({ type: 'start', runId: 3, config: cfg, autoRun: true });
    await until(() => trainer.stepCount > 0);
    await send({ type: 'injectFault', kind: 'oom' });
    await until(() => lost(out).length > 0);
    const held = trainer.stepCount;
    await turns();
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
    await turns();
    expect(trainer.stepCount).toBe(held);
  });

  it('an allocation RangeError thrown by a step is classified as out of memory', async () => {
    const watch = new DeviceWatch();
    watch.attach('wasm');
    const { out, trainer, send } = setup(watch);
    await send({ type: 'init', forced: null, testHooks: true });
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
    await send({ type: 'init', forced: null, testHooks: true });
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
    await send({ type: 'init', forced: null, testHooks: true });
    await send({ type: 'start', runId: 1, config: cfg, autoRun: false });
    trainer.throwAt = 1;
    await send({ type: 'step', runId: 1, part: 'both' });
    expect(lost(out)).toEqual([]);
    expect(out.some((m) => m.type === 'error' && /NaN in global/.test(m.error.message))).toBe(true);
  });

  it('refuses an injected fault unless the page asked for test hooks, and trains on', async () => {
    const watch = new DeviceWatch();
    watch.attach('wasm');
    const { out, trainer, send } = setup(watch);
    await send({ type: 'init', forced: null });
    await send({ type: 'start', runId: 4, config: cfg, autoRun: true });
    await until(() => trainer.stepCount > 0);
    await send({ type: 'injectFault', kind: 'oom' });
    const held = trainer.stepCount;
    await until(() => trainer.stepCount > held + 2);
    expect(lost(out)).toEqual([]);
    expect(ofType(out, 'error').map((e) => e.error.message)).toEqual([
      'Fault injection (oom) is a test hook and is off: open the page with ?debug to use it.',
    ]);
    await send({ type: 'pause', runId: 4 });
  });
});
