import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointData } from './checkpoint';
import type { RunConfig } from './config';
import { SslTrainer } from './sslTrainer';
import { TINY_SSL_CONFIG, tinyDataset } from './testDatasets';
import { Trainer } from './trainer';
import type { StepMetrics } from './trainerTypes';

const BASE: RunConfig = TINY_SSL_CONFIG;
const DS = tinyDataset();

/** Metrics without the wall time, for bit-equality. */
const strip = (ms: StepMetrics[]) => ms.map(({ msPerStep: _ms, ...rest }) => rest);

async function steps(t: SslTrainer, n: number): Promise<StepMetrics[]> {
  const out: StepMetrics[] = [];
  for (let i = 0; i < n; i++) out.push(...(await t.read([t.step()])));
  return out;
}

/** The whole state by tensor name (queue keys and pointer, slots, Mixer BN included). */
async function state(t: SslTrainer): Promise<Record<string, number[]>> {
  const c = await t.snapshot();
  return Object.fromEntries(c.tensors.map((x) => [x.name, Array.from(x.values)]));
}

/** A mid-run SSL checkpoint of `cfg` after `n` steps, through the bytes. */
async function checkpointAfter(cfg: RunConfig, n: number): Promise<CheckpointData> {
  const t = new SslTrainer(cfg, DS);
  await steps(t, n);
  const c = decodeCheckpoint(encodeCheckpoint(await t.snapshot()));
  t.dispose();
  return c;
}

const CASES: Array<[string, Partial<RunConfig>]> = [
  ['samix (Mixer on SGD)', { method: 'samix', mixerOptimizer: 'sgd' }],
  ['samix (Mixer on Adam)', { method: 'samix', mixerOptimizer: 'adam' }],
  ['erm (plain MoCo)', { method: 'erm' }],
];

describe('SslTrainer checkpoints', () => {
  beforeAll(() => initTestBackend());

  it.each(CASES)(
    '3 steps + checkpoint bytes + a new trainer + 3 steps = 6 steps, queue included: %s',
    async (_name, patch) => {
      const cfg: RunConfig = { ...BASE, ...patch };
      const a = new SslTrainer(cfg, DS);
      const whole = strip(await steps(a, 6));
      const wholeState = await state(a);
      const wholeQueue = a.keyQueue.keys.arraySync();
      const wholeProbe = await a.probe([[0, 1]], 0.5); // Mixer in inference mode: its BN statistics
      a.dispose();

      const b = new SslTrainer(cfg, DS);
      await steps(b, 3);
      const bytes = encodeCheckpoint(await b.snapshot());
      b.dispose();
      const c = new SslTrainer(cfg, DS);
      await c.warmup(); // the worker warms up before it restores
      await steps(c, 1); // a state (weights, queue pointer 8, Adam t) that must be overwritten
      c.restore(decodeCheckpoint(bytes));
      expect([c.stepCount, c.keyQueue.pointer]).toEqual([3, 24]);
      const rest = strip(await steps(c, 3));
      expect(rest).toEqual(whole.slice(3)); // bit for bit
      expect(c.keyQueue.pointer).toBe(16); // 6 batches of 8 in a queue of 32: 48 mod 32
      expect(c.keyQueue.keys.arraySync()).toEqual(wholeQueue);
      expect(await state(c)).toEqual(wholeState);
      expect(await c.probe([[0, 1]], 0.5)).toEqual(wholeProbe);
      c.dispose();
    },
  );

  it('the checkpoint holds every piece of SSL SAMix state, by name', async () => {
    const c = await checkpointAfter({ ...BASE, method: 'samix', mixerOptimizer: 'adam' }, 2);
    const names = c.tensors.map((t) => t.name);
    expect(names.slice(0, 8)).toEqual([
      'q.params',
      'q.stats',
      'k.params',
      'k.stats',
      'qFc2.w',
      'qFc2.b',
      'kFc2.w',
      'kFc2.b',
    ]);
    expect(names.slice(-4)).toEqual(['queue.keys', 'queue.ptr', 'optQ.slot', 'optMixer.slot']);
    const mixer = names.filter((n) => n.startsWith('mixer.'));
    expect(mixer.some((n) => /movingMean/.test(n))).toBe(true); // value-BN moving statistics
    expect(mixer.some((n) => /movingVar/.test(n))).toBe(true);
    const get = (n: string) => c.tensors.find((t) => t.name === n)!.values;
    expect(get('queue.keys')).toHaveLength(BASE.queueSize * BASE.projDim);
    expect(Array.from(get('queue.ptr'))).toEqual([16]);
    const adam = get('optMixer.slot');
    expect(adam[adam.length - 1]).toBe(2); // Adam's step counter
    expect([c.step, c.config.scenario, c.rng]).toEqual([2, 'ssl', c.dataRng]);
    expect(c.data.samplesSeen).toBe(16);
  });

  it('taking a snapshot does not change the run', async () => {
    const cfg: RunConfig = { ...BASE, method: 'samix' };
    const a = new SslTrainer(cfg, DS);
    const plain = strip(await steps(a, 6));
    a.dispose();
    const b = new SslTrainer(cfg, DS);
    const first = strip(await steps(b, 3));
    await b.snapshot();
    await b.snapshot();
    const rest = strip(await steps(b, 3));
    b.dispose();
    expect([...first, ...rest]).toEqual(plain);
  });

  it('snapshot + restore leak no tensors; restore takes the checkpoint’s live settings', async () => {
    const t = new SslTrainer({ ...BASE, method: 'samix', mixerOptimizer: 'adam' }, DS);
    t.setLive({ eta: 0.25 });
    await steps(t, 2);
    const snap = await t.snapshot();
    t.setLive({ eta: 2 });
    await steps(t, 1);
    t.restore(await t.snapshot()); // burn-in
    const n = tf.memory().numTensors;
    t.restore(await t.snapshot());
    t.restore(snap);
    expect(tf.memory().numTensors).toBe(n);
    expect([t.config.eta, t.stepCount, t.keyQueue.pointer]).toEqual([0.25, 2, 16]);
    t.dispose();
  });

  it('refuses another configuration, naming the field', async () => {
    const snap = await checkpointAfter({ ...BASE, method: 'samix' }, 1);
    for (const [patch, msg] of [
      [{ width: 8 }, /another configuration: width is 4 there, 8 here/],
      [{ queueSize: 16 }, /another configuration: queueSize is 32 there, 16 here/],
      [{ method: 'erm' }, /another configuration: method is "samix" there, "erm" here/],
    ] as const) {
      const other = new SslTrainer({ ...BASE, method: 'samix', ...patch }, DS);
      expect(() => other.restore(snap)).toThrow(msg);
      other.dispose();
    }
    // The step budget and checkpointEvery may differ (a resumed run may get a longer budget).
    const longer = new SslTrainer({ ...BASE, method: 'samix', steps: 80, checkpointEvery: 7 }, DS);
    expect(() => longer.restore(snap)).not.toThrow();
    expect(longer.stepCount).toBe(1);
    longer.dispose();
  });

  it('refuses a supervised run’s checkpoint, and a supervised trainer refuses an SSL one', async () => {
    const sl = new Trainer({ ...BASE, scenario: 'sl', method: 'samix' }, DS);
    await sl.read([sl.step()]);
    const slSnap = await sl.snapshot();
    const ssl = new SslTrainer({ ...BASE, method: 'samix' }, DS);
    expect(() => ssl.restore(slSnap)).toThrow(
      /another configuration \(it is a supervised run's; this is a self-supervised run\): scenario is "sl" there, "ssl" here/,
    );
    // Same configuration but the supervised tensors: the tensor check names both lists.
    const forged: CheckpointData = { ...slSnap, config: ssl.config };
    expect(() => ssl.restore(forged)).toThrow(
      /the checkpoint holds tensors q\.params.*this model needs .*queue\.keys/,
    );
    const sslSnap = decodeCheckpoint(encodeCheckpoint(await ssl.snapshot()));
    expect(() => sl.restore(sslSnap)).toThrow(/scenario is "ssl" there, "sl" here/);
    expect(ssl.stepCount).toBe(0); // a refused checkpoint changes nothing
    sl.dispose();
    ssl.dispose();
  });

  it('refuses a queue pointer that is not a whole batch inside the queue', async () => {
    const snap = await checkpointAfter({ ...BASE, method: 'erm' }, 1);
    const t = new SslTrainer({ ...BASE, method: 'erm' }, DS);
    for (const bad of [3, 32, -8]) {
      const c: CheckpointData = {
        ...snap,
        tensors: snap.tensors.map((x) =>
          x.name === 'queue.ptr' ? { name: x.name, values: Float32Array.of(bad) } : x,
        ),
      };
      expect(() => t.restore(c)).toThrow(
        new RegExp(`queue\\.ptr is ${bad}; it must be a multiple of batch 8 below queueSize 32`),
      );
    }
    expect([t.stepCount, t.keyQueue.pointer]).toEqual([0, 0]);
    t.dispose();
  });
});
