import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { DEFAULT_CONFIG, METHOD_NAMES, type RunConfig } from './config';
import { namedVariables } from './nets/params';
import { tinyDataset } from './testDatasets';
import { Trainer } from './trainer';
import type { StepMetrics } from './trainerTypes';

const BASE: RunConfig = { ...DEFAULT_CONFIG, batch: 8, width: 4, steps: 40, testSize: 16 };
const DS = tinyDataset();

/** Metrics without the wall time, for bit-equality. */
const strip = (ms: StepMetrics[]) => ms.map(({ msPerStep: _ms, ...rest }) => rest);

async function run(cfg: RunConfig, steps: number): Promise<{ metrics: StepMetrics[]; weights: number[] }> {
  const t = new Trainer(cfg, DS);
  const pending = Array.from({ length: steps }, () => t.step());
  const metrics = await t.read(pending);
  const weights = namedVariables(t.model).flatMap((e) => Array.from(e.variable.dataSync().slice(0, 5)));
  t.dispose();
  return { metrics, weights };
}

describe('Trainer', () => {
  beforeAll(() => initTestBackend());

  // samixp needs a Mixer bundle: its leak test is in weights/samixp.test.ts.
  it.each(METHOD_NAMES.filter((m) => m !== 'samixp'))(
    'leaks no tensors per step, in evaluate or in probe, and frees all on dispose: %s',
    async (method) => {
      const before = tf.memory().numTensors;
      const t = new Trainer({ ...BASE, method, cleanCE: method === 'mixup' }, DS);
      const parts =
        method === 'samix' || method === 'automix'
          ? (['both', 'mixer', 'classifier'] as const)
          : (['both'] as const);
      for (const part of parts) {
        await t.read([t.step(part)]); // burn-in
        const n = tf.memory().numTensors;
        const [m] = await t.read([t.step(part)]);
        expect(tf.memory().numTensors, part).toBe(n);
        expect(Number.isFinite(m.loss.total)).toBe(true);
      }
      await t.evaluate();
      await t.probe([[0, 1]], 0.5);
      const n = tf.memory().numTensors;
      const ev = await t.evaluate();
      const pr = await t.probe(
        [
          [0, 1],
          [2, 3],
        ],
        0.4,
      );
      expect(tf.memory().numTensors).toBe(n);
      expect(ev.testAccQ).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(ev.testAccK)).toBe(!(method === 'samix' || method === 'automix'));
      expect(pr.pairs.length).toBe(2);
      expect(pr.pairs[0].mask.length).toBe(16 * 16);
      expect(pr.pairs[0].objectKeptA).toBeGreaterThanOrEqual(0);
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('reproduces a run bit for bit from the seed; another seed differs', async () => {
    for (const method of ['samix', 'cutmix'] as const) {
      const a = await run({ ...BASE, method, seed: 3 }, 3);
      const b = await run({ ...BASE, method, seed: 3 }, 3);
      const c = await run({ ...BASE, method, seed: 4 }, 3);
      expect(strip(b.metrics)).toEqual(strip(a.metrics));
      expect(b.weights).toEqual(a.weights);
      expect(c.weights).not.toEqual(a.weights);
      expect(strip(c.metrics)).not.toEqual(strip(a.metrics));
    }
  });

  it('every method with the same seed starts from the same encoder and sees the same batches', async () => {
    const record = (t: Trainer): number[][] => {
      const seen: number[][] = [];
      const original = t.data.nextBatch.bind(t.data);
      t.data.nextBatch = (rng, n, augment) => {
        const b = original(rng, n, augment);
        seen.push([...b.y.dataSync(), ...b.x.dataSync().slice(0, 64)]);
        return b;
      };
      return seen;
    };
    const encoder = (t: Trainer) =>
      namedVariables(t.model)
        .filter((e) => e.name.startsWith('q.'))
        .flatMap((e) => Array.from(e.variable.dataSync().slice(0, 4)));
    const runs = (['erm', 'cutmix', 'puzzlemix', 'samix'] as const).map((method) => {
      const t = new Trainer({ ...BASE, method, seed: 9 }, DS);
      return { t, seen: record(t), w0: encoder(t) };
    });
    for (const r of runs) for (let i = 0; i < 10; i++) r.t.step().packed.dispose(); // 80 samples: > 1 epoch
    expect(runs[0].w0.length).toBeGreaterThan(0);
    for (const r of runs.slice(1)) {
      expect(r.w0).toEqual(runs[0].w0);
      expect(r.seen).toEqual(runs[0].seen);
    }
    for (const r of runs) r.t.dispose();
  });

  it('probing never changes the training randomness', async () => {
    const plain = new Trainer({ ...BASE, method: 'cutmix' }, DS);
    const probed = new Trainer({ ...BASE, method: 'cutmix' }, DS);
    const a = await plain.read([plain.step(), plain.step()]);
    const p1 = probed.step();
    await probed.probe([[0, 1]], 0.3);
    const b = await probed.read([p1, probed.step()]);
    expect(strip(b)).toEqual(strip(a));
    plain.dispose();
    probed.dispose();
  });

  it('reports host facts without readback and validates live edits', async () => {
    const t = new Trainer({ ...BASE, method: 'samix', batch: 16 }, DS);
    const p = t.step();
    expect(p.info.step).toBe(1);
    expect(t.stepCount).toBe(1);
    expect(t.epoch).toBeCloseTo(16 / 64, 10);
    expect(p.info.lamMb).toBeGreaterThan(0);
    const [m] = await t.read([p]);
    expect(m.lamBb).toBe(p.info.lamBb);
    expect(m.loss.total).toBeCloseTo(m.loss.mixer + m.loss.mask + m.loss.mixQ + m.loss.oneQ, 4);
    t.setLive({ eta: 1, lr: 0.05 });
    expect(t.config.eta).toBe(1);
    expect(() => t.setLive({ lr: -1 })).toThrow(/lr/);
    expect(() => t.setLive({ batch: 4 } as never)).toThrow(/batch/);
    t.dispose();
  });

  it('learns a tiny dataset: the loss goes down (ERM and SAMix)', async () => {
    for (const method of ['erm', 'samix'] as const) {
      const t = new Trainer({ ...BASE, method, steps: 30, lr: 0.05, augment: false }, DS);
      const pending = Array.from({ length: 30 }, () => t.step());
      const ms = await t.read(pending);
      const loss = (m: StepMetrics) => m.loss.oneQ;
      const first = ms.slice(0, 5).reduce((s, m) => s + loss(m), 0) / 5;
      const last = ms.slice(-5).reduce((s, m) => s + loss(m), 0) / 5;
      expect(last, method).toBeLessThan(0.7 * first);
      const ev = await t.evaluate();
      expect(ev.testAccQ, method).toBeGreaterThan(0.5);
      t.dispose();
    }
  });
});

describe('Trainer warm-up and FLOP count', () => {
  beforeAll(() => initTestBackend());

  it('warmup() leaves no trace: the same seed gives the same metrics and weights', async () => {
    for (const method of ['samix', 'erm'] as const) {
      const cfg = { ...BASE, method, seed: 5 };
      const plain = new Trainer(cfg, DS);
      const warm = new Trainer(cfg, DS);
      const ms = await warm.warmup(); // creates the step's cached constants, like a first step
      expect(ms).toBeGreaterThan(0);
      const before = tf.memory().numTensors;
      await warm.warmup();
      expect(tf.memory().numTensors).toBe(before);
      expect(warm.stepCount).toBe(0);
      const a = await plain.read([plain.step(), plain.step()]);
      const b = await warm.read([warm.step(), warm.step()]);
      expect(strip(b)).toEqual(strip(a));
      const w = (t: Trainer) =>
        namedVariables(t.model).flatMap((e) => Array.from(e.variable.dataSync().slice(0, 3)));
      expect(w(warm)).toEqual(w(plain));
      plain.dispose();
      warm.dispose();
    }
  });

  it('counts FLOPs per step: SAMix ≈ 2.9× ERM at the defaults', () => {
    const erm = new Trainer({ ...BASE, method: 'erm' }, DS);
    const samix = new Trainer({ ...BASE, method: 'samix' }, DS);
    expect(erm.flopsPerStep).toBeGreaterThan(0);
    const ratio = samix.flopsPerStep / erm.flopsPerStep;
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(3.2);
    const parts = samix.stepFlops;
    expect(parts.online + parts.momentum + parts.mixer).toBe(parts.total);
    erm.dispose();
    samix.dispose();
  });
});
