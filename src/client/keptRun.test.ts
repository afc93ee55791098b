import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import { clientHarness } from '../testing/fakeWorker';
import { point } from '../testing/fixtures';
import type { FromWorker } from '../worker/protocol';

/**
 * The page's side of a refused Start, through the trainer client over a fake worker that records
 * what the page posts.
 */
const SAMIX: RunConfig = {
  ...DEFAULT_CONFIG,
  method: 'samix',
  dataset: 'mnist',
  batch: 8,
  width: 4,
  steps: 3,
};
const REFUSED: RunConfig = { ...SAMIX, method: 'samixp', dataset: 'shapes', mixerBundle: 'mnist-gray' };
const memory = { numTensors: 1, numBytes: 2 };

function page() {
  const h = clientHarness();
  const run = () => h.client.currentRun;
  return {
    actions: h.client.actions,
    deliver: (msg: FromWorker) => h.worker.emit(msg),
    lastStart: () => h.worker.last('start'),
    get: () => h.view,
    data: () => h.view.data,
    run,
  };
}

/** A SAMix run that finished at step 3: metrics, a probe, an evaluation, a checkpoint. */
function finishedRun() {
  const p = page();
  p.actions.start(SAMIX, true);
  const { runId, key } = p.lastStart();
  p.deliver({ type: 'dataset', runId, info: { name: 'mnist' } as never });
  p.deliver({ type: 'runInfo', runId, flopsPerStep: 10, warmupMs: 5 });
  p.deliver({ type: 'metrics', runId, points: [point(1), point(2), point(3)], memory });
  p.deliver({ type: 'probe', runId, result: { step: 3, height: 2, width: 2, channels: 1, pairs: [] } });
  p.deliver({ type: 'eval', runId, result: { step: 3, testAccQ: 0.4 } as never });
  p.deliver({ type: 'checkpoint', runId, key: key!, step: 3, bytes: 100, finished: true });
  p.deliver({ type: 'status', runId, status: 'done', step: 3, epoch: 0, note: 'Done.' });
  return p;
}

describe('a Start the worker refuses', () => {
  it('gives the finished run back: curves, config, run key, step, probe and checkpoint', () => {
    const p = finishedRun();
    const before = { state: p.get(), data: p.data(), key: p.run().runKey };
    expect(before.data.metrics).toHaveLength(3);

    p.actions.start(REFUSED, true);
    const { runId } = p.lastStart();
    expect(p.get().step).toBe(0); // the page shows the new request at once
    expect(p.data().metrics).toHaveLength(0);
    p.deliver({ type: 'status', runId, status: 'loading', step: 3, epoch: 0, note: 'Loading shapes…' });
    p.deliver({
      type: 'error',
      runId,
      error: { name: 'Error', message: 'starting samixp on shapes: mixer bundle: channels 1' },
      fatal: false,
      kept: true,
    });
    p.deliver({ type: 'status', runId, status: 'done', step: 3, epoch: 0, note: 'Not changed.' });

    const s = p.get();
    expect(p.data()).toBe(before.data); // same object: the autosave stays incremental
    expect(p.data().metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(p.data().evals).toHaveLength(1);
    expect(p.data().frames).toHaveLength(1);
    expect(p.run().config).toEqual(SAMIX);
    expect(p.run().runKey).toBe(before.key);
    expect(s.runConfig).toEqual(SAMIX);
    expect(s.runKey).toBe(before.key);
    expect(s.checkpoint).toEqual(before.state.checkpoint);
    expect(s.probe).toBe(before.state.probe);
    expect([s.status, s.step, s.runId]).toEqual(['done', 3, runId]);
    expect(s.errors.map((e) => e.message)).toEqual(['starting samixp on shapes: mixer bundle: channels 1']);
    expect(p.run().kept).toBe(false);

    // The kept run answers to the refused request's id: a later message is not stale.
    p.deliver({ type: 'live', runId, step: 3, patch: { eta: 0.5 } });
    expect(p.data().marks).toHaveLength(1);
    expect(p.get().runConfig?.eta).toBe(0.5);
  });

  it('drops the previous run once the worker confirms the new one', () => {
    const p = finishedRun();
    p.actions.start({ ...SAMIX, dataset: 'shapes' }, true);
    const { runId, key } = p.lastStart();
    p.deliver({ type: 'dataset', runId, info: { name: 'shapes' } as never });
    expect(p.run().kept).toBe(false);
    p.deliver({ type: 'runInfo', runId, flopsPerStep: 10, warmupMs: 5 });
    p.deliver({ type: 'metrics', runId, points: [point(1)], memory });
    // A later non-fatal error of the new run (not a refusal) brings nothing back.
    p.deliver({ type: 'error', runId, error: { name: 'Error', message: 'x' }, fatal: false, kept: true });
    expect(p.data().metrics.map((m) => m.step)).toEqual([1]);
    expect([p.run().runKey, p.get().runKey, p.get().runConfig?.dataset]).toEqual([key, key, 'shapes']);
  });

  it('over an idle or failed page keeps nothing, as before', () => {
    const idle = page();
    idle.actions.start(REFUSED, true);
    expect(idle.run().kept).toBe(false);

    const failed = finishedRun();
    const { runId } = failed.lastStart();
    failed.deliver({ type: 'error', runId, error: { name: 'Error', message: 'lost' }, fatal: true });
    expect(failed.get().status).toBe('error');
    failed.actions.start(REFUSED, true);
    expect(failed.run().kept).toBe(false);
    const next = failed.lastStart();
    failed.deliver({
      type: 'error',
      runId: next.runId,
      error: { name: 'Error', message: 'no' },
      fatal: true,
    });
    expect(failed.data().metrics).toHaveLength(0);
    expect(failed.run().config).toEqual(REFUSED);
  });

  it('a reset forgets the run a pending start kept', () => {
    const p = finishedRun();
    p.actions.start(REFUSED, true);
    p.actions.reset();
    expect(p.run().kept).toBe(false);
    expect(p.get().runConfig).toBeNull();
  });
});
