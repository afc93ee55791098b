import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initTestBackend } from '../testing/tf';
import type { CheckpointData } from './checkpoint';
import type { RunConfig } from './config';
import { SslTrainer } from './sslTrainer';
import { TINY_SSL_CONFIG, tinyDataset } from './testDatasets';
import type { StepMetrics } from './trainerTypes';

/**
 * `SslTrainer.warmup()`: a compile-only pass of one step (compileOnly.ts), then one real step, both
 * undone. Node has no webgl/webgpu, where the compile-only pass runs; here it is replaced by one that
 * RUNS the step it is given (`forced`), the worst case for the state: the warm-up must still leave
 * the run bit for bit where it was. With `forced` off, the real pass (a no-op on wasm) runs.
 */
const pass = vi.hoisted(() => ({ forced: true, calls: 0 }));
vi.mock('./compileOnly', async (importOriginal) => {
  const real = await importOriginal<typeof import('./compileOnly')>();
  return {
    compileOnlyPass: async (step: () => void): Promise<void> => {
      pass.calls++;
      if (pass.forced) step();
      else await real.compileOnlyPass(step);
    },
  };
});

const DS = tinyDataset();
const strip = (ms: StepMetrics[]) => ms.map(({ msPerStep: _ms, ...rest }) => rest);
/**
 * Everything a checkpoint holds except the configuration object (tensor values compared exactly).
 * Generator words as unsigned 32-bit (`Rng.setState` stores them so; a fresh Rng may hold them signed).
 */
const state = async (t: SslTrainer) => {
  const { config: _c, rng, dataRng, ...rest }: CheckpointData = await t.snapshot();
  const words = (r: CheckpointData['rng']) => ({ ...r, words: r.words.map((w) => w >>> 0) });
  return { ...rest, rng: words(rng), dataRng: words(dataRng) };
};

describe('SslTrainer.warmup (compile-only pass + one real step, both undone)', () => {
  beforeAll(() => initTestBackend());

  it.each(['samix', 'erm'] as const)(
    '%s: a warmed-up run equals a plain one bit for bit (weights, slots, queue, RNG, data, step)',
    async (method) => {
      const cfg: RunConfig = { ...TINY_SSL_CONFIG, method, seed: 11 };
      const plain = new SslTrainer(cfg, DS);
      const warm = new SslTrainer(cfg, DS);
      const calls = pass.calls;
      expect(await warm.warmup()).toBeGreaterThan(0);
      expect(pass.calls - calls).toBe(1); // one compile-only pass, given a step to run
      expect(warm.stepCount).toBe(0);
      expect(warm.keyQueue.pointer).toBe(0);
      expect(await warm.lastBatchSamples(2)).toBeNull();
      expect(await state(warm)).toEqual(await state(plain));

      const a = await plain.read([plain.step(), plain.step(), plain.step()]);
      const b = await warm.read([warm.step(), warm.step(), warm.step()]);
      expect(strip(b)).toEqual(strip(a));
      expect(await state(warm)).toEqual(await state(plain));
      plain.dispose();
      warm.dispose();
    },
  );

  it('leaves no tensor behind (forced compile pass and the real one); mid-run it puts the state back too', async () => {
    const t = new SslTrainer({ ...TINY_SSL_CONFIG, method: 'samix' }, DS);
    for (const forced of [true, false]) {
      pass.forced = forced;
      await t.warmup(); // burn-in: the step's cached constants
      const before = tf.memory().numTensors;
      await t.warmup();
      expect(tf.memory().numTensors, `forced ${forced}`).toBe(before);
    }
    await t.read([t.step(), t.step()]);
    const mid = await state(t);
    pass.forced = true;
    await t.warmup();
    expect(await state(t)).toEqual(mid); // a warm-up after steps also puts everything back
    t.dispose();
  });
});
