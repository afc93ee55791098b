import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { decodeCheckpoint, encodeCheckpoint, findNonFinite, type CheckpointData } from './checkpoint';
import { DEFAULT_CONFIG, type MethodName, type RunConfig } from './config';
import { tinyDataset } from './testDatasets';
import { Trainer } from './trainer';
import type { StepMetrics } from './trainerTypes';

const BASE: RunConfig = { ...DEFAULT_CONFIG, batch: 8, width: 4, steps: 40, testSize: 16 };
const DS = tinyDataset();

/** Metrics without the wall time, for bit-equality. */
const strip = (ms: StepMetrics[]) => ms.map(({ msPerStep: _ms, ...rest }) => rest);

async function steps(t: Trainer, n: number): Promise<StepMetrics[]> {
  const out: StepMetrics[] = [];
  for (let i = 0; i < n; i++) out.push(...(await t.read([t.step()])));
  return out;
}

describe('checkpoint', () => {
  beforeAll(() => initTestBackend());

  it('round-trips through bytes: same tensors, generators, data position and config', async () => {
    const t = new Trainer({ ...BASE, method: 'samix', lr: 0.05 }, DS);
    await steps(t, 2);
    const a = await t.snapshot();
    const bytes = encodeCheckpoint(a);
    // Decoding from an unaligned view (as IndexedDB may hand back) gives the same values.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const b = decodeCheckpoint(shifted.subarray(1));
    expect(b.config).toEqual(a.config);
    expect([b.step, b.epoch, b.rng, b.dataRng]).toEqual([a.step, a.epoch, a.rng, a.dataRng]);
    expect(Array.from(b.data.order)).toEqual(Array.from(a.data.order));
    expect([b.data.cursor, b.data.samplesSeen]).toEqual([a.data.cursor, a.data.samplesSeen]);
    expect(b.tensors.map((x) => x.name)).toEqual(
      ['q.params', 'q.stats', 'k.params', 'k.stats'].concat(
        ['mixer.params', 'mixer.stats', 'optQ.slot', 'optMixer.slot'].filter((n) =>
          a.tensors.some((x) => x.name === n),
        ),
      ),
    );
    for (let i = 0; i < a.tensors.length; i++) expect(b.tensors[i].values).toEqual(a.tensors[i].values);
    expect(a.tensors.every((x) => x.values.some((v) => v !== 0))).toBe(true);
    t.dispose();
  });

  it('rejects a checkpoint with any flipped byte, naming the damaged part', async () => {
    const t = new Trainer({ ...BASE, method: 'mixup' }, DS);
    await steps(t, 1);
    const bytes = encodeCheckpoint(await t.snapshot());
    t.dispose();
    const flip = (at: number) => {
      const c = bytes.slice();
      c[at] ^= 0x10;
      return c;
    };
    expect(() => decodeCheckpoint(flip(bytes.length - 3))).toThrow(/weights checksum does not match/);
    expect(() => decodeCheckpoint(flip(20))).toThrow(/header checksum does not match/);
    expect(() => decodeCheckpoint(flip(0))).toThrow(/does not start with "SMXC"/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 8))).toThrow(/binary part is/);
    expect(() => decodeCheckpoint(bytes)).not.toThrow();
  });

  it.each<MethodName>(['samix', 'mixup'])(
    'resuming from a checkpoint in a new trainer continues the same curve: %s',
    async (method) => {
      const cfg: RunConfig = { ...BASE, method };
      const a = new Trainer(cfg, DS);
      const whole = strip(await steps(a, 6));
      a.dispose();

      const b = new Trainer(cfg, DS);
      const first = strip(await steps(b, 3));
      const bytes = encodeCheckpoint(await b.snapshot());
      b.dispose();
      const c = new Trainer(cfg, DS);
      await steps(c, 1); // a state that must be overwritten
      c.restore(decodeCheckpoint(bytes));
      expect(c.stepCount).toBe(3);
      const rest = strip(await steps(c, 3));
      c.dispose();
      expect(first).toEqual(whole.slice(0, 3));
      expect(rest).toEqual(whole.slice(3));
    },
  );

  it('restore keeps live settings of the checkpoint, leaks no tensors, and rejects another model', async () => {
    const t = new Trainer({ ...BASE, method: 'samix' }, DS);
    t.setLive({ eta: 0.25 });
    await steps(t, 1);
    const snap = await t.snapshot();
    t.setLive({ eta: 2 });
    await t.snapshot(); // burn-in
    const n = tf.memory().numTensors;
    t.restore(await t.snapshot());
    t.restore(snap);
    expect(tf.memory().numTensors).toBe(n);
    expect(t.config.eta).toBe(0.25);
    t.dispose();

    const other = new Trainer({ ...BASE, method: 'samix', width: 2 }, DS);
    expect(() => other.restore(snap)).toThrow(/width is 4 there, 2 here/);
    const bad: CheckpointData = { ...snap, config: { ...snap.config, width: 2 } };
    expect(() => other.restore(bad)).toThrow(
      /the checkpoint holds tensors q\.params\[\d+\].*this model needs/,
    );
    other.dispose();
  });

  it('findNonFinite names the tensor and index of the first NaN', async () => {
    const t = new Trainer({ ...BASE, method: 'mixup' }, DS);
    const snap = await t.snapshot();
    t.dispose();
    expect(findNonFinite(snap)).toBeNull();
    snap.tensors[0].values[7] = NaN;
    expect(findNonFinite(snap)).toBe('q.params[7] = NaN');
  });
});
