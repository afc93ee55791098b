import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import type { RunConfig } from './config';
import { SslTrainer } from './sslTrainer';
import { TINY_SSL_CONFIG, tinyDataset } from './testDatasets';
import type { StepMetrics } from './trainerTypes';

const BASE: RunConfig = TINY_SSL_CONFIG;
const DS = tinyDataset();
const SSL_METHODS = ['erm', 'mixup', 'cutmix', 'samix'] as const;

/** Metrics without the wall time, for bit-equality. */
const strip = (ms: StepMetrics[]) => ms.map(({ msPerStep: _ms, ...rest }) => rest);

async function run(cfg: RunConfig, steps: number, ds = DS): Promise<StepMetrics[]> {
  const t = new SslTrainer(cfg, ds);
  const metrics = await t.read(Array.from({ length: steps }, () => t.step()));
  t.dispose();
  return metrics;
}

describe('SslTrainer', () => {
  beforeAll(() => initTestBackend());

  it.each(SSL_METHODS)(
    'leaks no tensors per step, in evaluate, probe or linearProbe; frees all: %s',
    async (method) => {
      const before = tf.memory().numTensors;
      const t = new SslTrainer({ ...BASE, method }, DS);
      const parts = method === 'samix' ? (['both', 'mixer', 'classifier'] as const) : (['both'] as const);
      for (const part of parts) {
        await t.read([t.step(part)]); // burn-in
        const n = tf.memory().numTensors;
        const [m] = await t.read([t.step(part)]);
        expect(tf.memory().numTensors, part).toBe(n);
        expect(Number.isFinite(m.loss.total), part).toBe(true);
      }
      await t.evaluate();
      const n = tf.memory().numTensors;
      const ev = await t.evaluate();
      await t.probe([[0, 1]], 0.5);
      const probeAcc = await t.linearProbe();
      expect(tf.memory().numTensors).toBe(n);
      expect(ev.knnAcc).toBe(ev.testAccQ);
      expect(ev.knnAcc).toBeGreaterThanOrEqual(0);
      expect(ev.knnAcc).toBeLessThanOrEqual(1);
      expect(Number.isNaN(ev.testAccK)).toBe(true);
      expect(probeAcc).toBeGreaterThanOrEqual(0);
      expect(probeAcc).toBeLessThanOrEqual(1);
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it.each(SSL_METHODS)('reports the terms its method has: %s', async (method) => {
    const [m] = await run({ ...BASE, method }, 1);
    expect(m.loss.oneQ).toBeGreaterThan(0); // the MoCo InfoNCE
    expect(m.loss.mixQ > 0).toBe(method !== 'erm'); // the mixed sample's cross-view loss
    expect(m.loss.local > 0).toBe(method === 'samix');
    expect(m.loss.global > 0).toBe(method === 'samix');
    expect(m.loss.total).toBeCloseTo(m.loss.oneQ + m.loss.mixQ + m.loss.mixer + m.loss.mask, 4);
    if (method === 'samix') {
      expect(m.loss.mixer).toBeCloseTo(m.loss.local + BASE.eta * m.loss.global, 4);
      // mask_adjust = auto keeps the backbone mask's mean within the margin of λ_bb
      expect(Math.abs(m.maskMean - m.lamBb)).toBeLessThanOrEqual(BASE.maskMargin + 1e-4);
    }
    if (method === 'erm') expect(m.lamBb).toBe(1);
  });

  it('is deterministic: the same seed twice gives identical metrics', async () => {
    const a = await run({ ...BASE, method: 'samix', seed: 4 }, 3);
    const b = await run({ ...BASE, method: 'samix', seed: 4 }, 3);
    const c = await run({ ...BASE, method: 'samix', seed: 5 }, 3);
    expect(strip(a)).toEqual(strip(b));
    expect(strip(a)).not.toEqual(strip(c));
  });

  it('never reads a label: relabelled data trains identically', async () => {
    const relabelled = {
      ...DS,
      train: { ...DS.train, labels: DS.train.labels.map((l) => (l + 1) % DS.classes.length) },
    };
    const a = await run({ ...BASE, method: 'samix' }, 3);
    const b = await run({ ...BASE, method: 'samix' }, 3, relabelled);
    expect(strip(a)).toEqual(strip(b));
  });

  it('enqueues each step’s keys at the pointer, which moves by the batch modulo K', async () => {
    const t = new SslTrainer({ ...BASE, method: 'erm' }, DS);
    const q0 = t.keyQueue.keys.arraySync() as number[][];
    await t.read([t.step()]);
    expect(t.keyQueue.pointer).toBe(8);
    const q1 = t.keyQueue.keys.arraySync() as number[][];
    expect(q1.slice(8)).toEqual(q0.slice(8)); // older keys untouched
    expect(q1.slice(0, 8)).not.toEqual(q0.slice(0, 8)); // the batch's keys written at 0..7
    q1.slice(0, 8).forEach((r) => expect(Math.hypot(...r)).toBeCloseTo(1, 5)); // unit keys
    await t.read([t.step(), t.step(), t.step()]);
    expect(t.keyQueue.pointer).toBe(0); // 4 batches of 8 fill K = 32
    t.dispose();
  });

  it('warmup leaves no trace: the run after it equals a run without it, and no tensor leaks', async () => {
    const cfg = { ...BASE, method: 'samix' as const };
    const ref = await run(cfg, 3);
    const t = new SslTrainer(cfg, DS);
    expect(await t.warmup()).toBeGreaterThan(0); // creates the step's cached constants, like a first step
    const before = tf.memory().numTensors;
    await t.warmup();
    expect(tf.memory().numTensors).toBe(before);
    expect(t.stepCount).toBe(0);
    expect(await t.lastBatchSamples(2)).toBeNull();
    const after = await t.read(Array.from({ length: 3 }, () => t.step()));
    t.dispose();
    expect(strip(after)).toEqual(strip(ref));
  });

  it('lastBatchSamples: null before a step, then the backbone batch with both sources and λ', async () => {
    for (const method of ['erm', 'samix'] as const) {
      const t = new SslTrainer({ ...BASE, method }, DS);
      expect(await t.lastBatchSamples(3)).toBeNull();
      const [m] = await t.read([t.step()]);
      const s = (await t.lastBatchSamples(3))!;
      expect(s.step).toBe(1);
      expect(s.images).toHaveLength(3);
      expect(s.images[0]).toHaveLength(DS.height * DS.width * DS.channels);
      for (const y of [...s.labelA, ...s.labelB]) expect(DS.classes[y]).toBeDefined();
      if (method === 'erm') {
        expect(s.lam).toEqual([1, 1, 1]);
        expect(s.labelB).toEqual(s.labelA); // plain MoCo trains on view 1 alone
      } else {
        expect(s.lam[0]).toBeCloseTo(m.lamBb, 6);
      }
      const n = tf.memory().numTensors;
      await t.read([t.step('mixer')]); // no backbone update: no batch kept
      expect(await t.lastBatchSamples(3)).toBeNull();
      expect(tf.memory().numTensors).toBeLessThan(n);
      t.dispose();
    }
  });

  it('refuses a supervised configuration', () => {
    expect(() => new SslTrainer({ ...BASE, scenario: 'sl' }, DS)).toThrow(/scenario ssl/);
    expect(() => new SslTrainer({ ...BASE, queueSize: 20 }, DS)).toThrow(
      /queueSize 20 must be a multiple of batch 8/,
    );
  });
});
