import * as tf from '@tensorflow/tfjs';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import { tinyDataset } from '../core/testDatasets';
import { Trainer } from '../core/trainer';
import type { MixerBundle } from '../core/weights/mixerManifest';
import type { ImageDataset } from '../data/types';
import { stepPoints } from '../testing/checkpointWorker';
import { ofType, startHandler, StubTrainer, stubDeps, tinyImages, until } from '../testing/handlerHarness';
import { initTestBackend } from '../testing/tf';
import { CheckpointStore } from '../storage/checkpointStore';
import type { TrainerLike } from './handler';
import type { StoredMixerSummary } from './mixerProtocol';
import { RunBundles, type MixerStoreLike } from './mixerStore';
import type { FromWorker } from './protocol';

/**
 * The "loses nothing" rule for Start (and Restore): a start the worker refuses (a SAMix^P bundle that
 * does not fit the data, a bundle that is not stored; a checkpoint that is not there) leaves the
 * previous run exactly as it was — same trainer, same status, same data — and frees whatever the
 * refused request allocated.
 */
const RGB = tinyDataset({ size: 16, channels: 3 });
const SL: RunConfig = {
  ...DEFAULT_CONFIG,
  method: 'samix',
  batch: 8,
  width: 4,
  steps: 6,
  testSize: 16,
  evalEvery: 1000,
  checkpointEvery: 1000,
};
/** Refused after the trainer factory: the grayscale bundle cannot read the RGB images. */
const GRAY_BUNDLE: RunConfig = { ...SL, method: 'samixp', mixerBundle: 'gray' };
/** Refused before the trainer factory (`prepareRun`): no bundle of that name is stored. */
const MISSING_BUNDLE: RunConfig = { ...SL, method: 'samixp', mixerBundle: 'gone' };

class MemoryStore implements MixerStoreLike {
  readonly records = new Map<string, MixerBundle>();
  async put(name: string, b: MixerBundle): Promise<void> {
    this.records.set(name, b);
  }
  async get(name: string): Promise<MixerBundle | undefined> {
    return this.records.get(name);
  }
  async list(): Promise<StoredMixerSummary[]> {
    return [];
  }
  async delete(name: string): Promise<void> {
    this.records.delete(name);
  }
}

/** A handler wired the way trainer.worker.ts wires it (real trainers, SAMix^P bundles from `store`). */
async function worker(store: MixerStoreLike, data: ImageDataset = RGB) {
  const bundles = new RunBundles(async () => store);
  const trainers: TrainerLike[] = [];
  const createTrainer = (config: RunConfig, d: ImageDataset): TrainerLike => {
    const t =
      config.scenario === 'ssl'
        ? new SslTrainer(config, d)
        : new Trainer(config, d, { mixerBundle: bundles.bundleFor(config) });
    trainers.push(t);
    return t;
  };
  const deps = stubDeps(data, createTrainer, {
    prepareRun: (config) => bundles.prepare(config),
    mixers: async () => store,
    now: () => 0,
    yieldNow: () => Promise.resolve(),
    checkpoints: await CheckpointStore.open(new IDBFactory()),
  });
  const { out, send } = startHandler(deps);
  const stepN = async (runId: number, n: number) => {
    for (let i = 0; i < n; i++) await send({ type: 'step', runId, part: 'both' });
  };
  return { out, send, stepN, trainers };
}

const lastStatus = (out: FromWorker[]) => ofType(out, 'status').slice(-1)[0];
const errors = (out: FromWorker[]) => ofType(out, 'error').map((m) => [m.runId, m.error.message]);

/** Real (tiny) TF.js runs: a longer bound than the handler doubles need. */
const waitFor = (cond: () => boolean): Promise<void> => until(cond, 15_000);

describe('a refused start keeps the previous run', () => {
  const store = new MemoryStore();
  beforeAll(async () => {
    await initTestBackend();
    // A Mixer pre-trained on grayscale images: a samixp run on RGB data must refuse it (channels).
    const t = new Trainer(SL, tinyDataset({ size: 16, channels: 1 }));
    await t.read([t.step(), t.step()]);
    await store.put('gray', await t.exportMixerBundle());
    t.dispose();
  });

  it('a paused run: each refusal names the fix, frees what it built, and the run steps on unchanged', async () => {
    const ref = await worker(store);
    await ref.send({ type: 'start', runId: 1, config: SL, autoRun: false, key: 'ref' });
    await ref.stepN(1, 6);
    const whole = stepPoints(ref.out);
    await ref.send({ type: 'reset', runId: 2 });

    const base = tf.memory().numTensors;
    const w = await worker(store);
    await w.send({ type: 'start', runId: 1, config: SL, autoRun: false, key: 'a' });
    await w.stepN(1, 3);
    const kept = w.trainers[0];
    const tensors = tf.memory().numTensors;

    await w.send({ type: 'start', runId: 2, config: GRAY_BUNDLE, autoRun: true, key: 'b' });
    expect(errors(w.out)).toEqual([
      [
        2,
        expect.stringMatching(
          /^starting samixp on shapes: mixer bundle: channels 1 of the bundle cannot read 3-channel images .*; pre-train the Mixer on 3-channel data$/,
        ),
      ],
    ]);
    expect(w.trainers).toHaveLength(1); // refused in the factory, before anything was allocated
    expect(tf.memory().numTensors).toBe(tensors);
    expect(lastStatus(w.out)).toMatchObject({ runId: 2, status: 'paused', step: 3 });
    expect(lastStatus(w.out).note).toMatch(/previous run \(samix on shapes\) is kept at step 3/);

    await w.send({ type: 'start', runId: 3, config: MISSING_BUNDLE, autoRun: true, key: 'c' });
    expect(errors(w.out)[1]).toEqual([
      3,
      expect.stringMatching(/mixerBundle "gone" is not stored in this browser: import/),
    ]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(lastStatus(w.out)).toMatchObject({ runId: 3, status: 'paused', step: 3 });

    // A configuration over the backend's memory is refused by the pre-flight, before any trainer.
    await w.send({
      type: 'start',
      runId: 3,
      config: { ...SL, batch: 1024, width: 128 },
      autoRun: true,
      key: 'm',
    });
    expect(errors(w.out)[2]).toEqual([
      3,
      expect.stringMatching(
        /^starting samix on shapes: batch 1024 × width 128 needs about [\d.]+ GB on \w+ .*: use batch ≤ \d+ at width 128/,
      ),
    ]);
    expect(w.trainers).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(lastStatus(w.out)).toMatchObject({ runId: 3, status: 'paused', step: 3 });

    // A restore of a run that has no checkpoint is refused the same way.
    await w.send({ type: 'restore', runId: 3, key: 'nope', autoRun: true });
    expect(errors(w.out)[3]).toEqual([3, 'restoring run nope: no checkpoint is stored for run nope']);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(lastStatus(w.out)).toMatchObject({ runId: 3, status: 'paused', step: 3 });

    // The kept run answers to the latest id: it steps and resumes along the uninterrupted curve.
    await w.stepN(3, 2);
    await w.send({ type: 'resume', runId: 3 });
    await waitFor(() => lastStatus(w.out).status === 'done');
    expect(lastStatus(w.out)).toMatchObject({ runId: 3, status: 'done', step: 6 });
    expect(kept.stepCount).toBe(6);
    const after = stepPoints(w.out);
    expect([...after.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const s of after.keys()) expect(after.get(s), `step ${s}`).toEqual(whole.get(s));

    await w.send({ type: 'reset', runId: 4 });
    expect(tf.memory().numTensors).toBe(base);
  });

  it('a finished run stays finished: after a refused start it still probes and exports its Mixer', async () => {
    const base = tf.memory().numTensors;
    const w = await worker(store);
    const short = { ...SL, steps: 2 };
    await w.send({ type: 'start', runId: 1, config: short, autoRun: false, key: 'a' });
    await w.stepN(1, 2);
    expect(lastStatus(w.out).status).toBe('done');
    const tensors = tf.memory().numTensors;

    await w.send({ type: 'start', runId: 2, config: GRAY_BUNDLE, autoRun: false, key: 'b' });
    expect(errors(w.out)).toEqual([[2, expect.stringMatching(/channels 1 of the bundle/)]]);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(lastStatus(w.out)).toMatchObject({ runId: 2, status: 'done', step: 2 });

    const probes = ofType(w.out, 'probe').length;
    await w.send({ type: 'probe', runId: 2, pairs: [[0, 1]] });
    expect(ofType(w.out, 'probe').slice(probes)).toMatchObject([{ runId: 2, result: { step: 2 } }]);
    await w.send({ type: 'step', runId: 2, part: 'both' }); // a finished run takes no more steps
    expect(w.trainers[0].stepCount).toBe(2);
    await w.send({ type: 'exportMixer', requestId: 5, name: 'kept', store: true });
    expect(ofType(w.out, 'mixerExported')).toMatchObject([{ requestId: 5, fileName: 'kept.mixer.zip' }]);
    expect(store.records.get('kept')?.manifest).toMatchObject({ steps: 2, channels: 3 });
    expect(tf.memory().numTensors).toBe(tensors);

    // A start that is accepted replaces it and frees it.
    await w.send({ type: 'start', runId: 3, config: short, autoRun: false, key: 'c' });
    expect(lastStatus(w.out)).toMatchObject({ runId: 3, status: 'paused', step: 0 });
    expect(w.trainers).toHaveLength(2);
    await w.send({ type: 'reset', runId: 4 });
    expect(tf.memory().numTensors).toBe(base);
  });

  it('a new trainer that fails its warm-up is freed; the previous one stays in place and steps on', async () => {
    class Tracked extends StubTrainer {
      disposed = false;
      dispose(): void {
        this.disposed = true;
      }
    }
    class FailsWarmup extends Tracked {
      async warmup(): Promise<number> {
        throw new Error('the warm-up ran out of memory: lower batch or width');
      }
    }
    const made: Tracked[] = [];
    const createTrainer = (cfg: RunConfig): TrainerLike => {
      const t = cfg.seed === 2 ? new FailsWarmup() : new Tracked();
      made.push(t);
      return t;
    };
    const { out, send } = startHandler(stubDeps(tinyImages(), createTrainer));
    await send({ type: 'start', runId: 1, config: { ...SL, seed: 1 }, autoRun: false, key: 'a' });
    await send({ type: 'step', runId: 1, part: 'both' });
    await send({ type: 'start', runId: 2, config: { ...SL, seed: 2 }, autoRun: true, key: 'b' });
    expect(made.map((t) => t.disposed)).toEqual([false, true]);
    expect(errors(out)).toEqual([
      [2, 'starting samix on shapes: the warm-up ran out of memory: lower batch or width'],
    ]);
    expect(lastStatus(out)).toMatchObject({ runId: 2, status: 'paused', step: 1 });
    await send({ type: 'step', runId: 2, part: 'both' });
    expect(made[0].stepCount).toBe(2);
    await send({ type: 'start', runId: 3, config: { ...SL, seed: 3 }, autoRun: false, key: 'c' });
    expect(made.map((t) => t.disposed)).toEqual([true, true, false]); // replaced once the new one is ready
  });
});
