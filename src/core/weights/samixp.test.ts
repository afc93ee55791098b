import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, effectiveAlpha, parseConfig, type RunConfig } from '../config';
import { stepFlops } from '../flops';
import { METHODS } from '../methods/registry';
import { tinyDataset } from '../testDatasets';
import { Trainer } from '../trainer';
import type { StepMetrics } from '../trainerTypes';
import { PretrainedMixer } from './mixerBundle';
import type { MixerBundle } from './mixerManifest';

const SRC: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', batch: 8, width: 4, steps: 20, testSize: 16 };
const RUN: RunConfig = { ...SRC, method: 'samixp', mixerBundle: 'test-bundle', width: 4 };
const DS = tinyDataset({ size: 16, channels: 3 });
const strip = (ms: StepMetrics[]) => ms.map(({ msPerStep: _ms, ...rest }) => rest);

async function sourceBundle(steps: number): Promise<MixerBundle> {
  const t = new Trainer(SRC, DS);
  await t.read(Array.from({ length: steps }, () => t.step()));
  const b = await t.exportMixerBundle();
  t.dispose();
  return b;
}

async function run(cfg: RunConfig, bundle: MixerBundle, steps: number, ds = DS): Promise<StepMetrics[]> {
  const t = new Trainer(cfg, ds, { mixerBundle: bundle });
  const m = await t.read(Array.from({ length: steps }, () => t.step()));
  t.dispose();
  return m;
}

describe('method samixp (SAMix^P)', () => {
  let bundle: MixerBundle;
  let other: MixerBundle;
  beforeAll(async () => {
    await initTestBackend();
    bundle = await sourceBundle(5);
    other = await sourceBundle(12);
  });

  it('is registered as a mask method with α = 2 by default, without Mixer training or EMA', () => {
    expect(METHODS.samixp.kind).toBe('pixel');
    expect(effectiveAlpha(parseConfig({ method: 'samixp' }))).toBe(2);
    const t = new Trainer(RUN, DS, { mixerBundle: bundle });
    expect(t.model.k).toBeNull();
    expect(t.model.mixer).toBeNull();
    expect(t.optimizers.mixer).toBeNull();
    t.dispose();
  });

  it('counts the frozen forward and the Mixer pass in its FLOPs: ≈ 1.27× ERM at the default recipe', () => {
    const d = { height: 32, width: 32, channels: 3, classes: 10 };
    const cfg = { ...DEFAULT_CONFIG, batch: 64, width: 16 };
    const p = stepFlops({ ...cfg, method: 'samixp' }, d);
    const erm = stepFlops({ ...cfg, method: 'erm' }, d);
    expect(p.online).toBe(erm.online); // the same classifier step
    expect(p.total / erm.total).toBeGreaterThan(1.2);
    expect(p.total / erm.total).toBeLessThan(1.32);
  });

  it('refuses to start without a bundle, naming mixerBundle, and allocates nothing', () => {
    const before = tf.memory().numTensors;
    expect(() => new Trainer(RUN, DS)).toThrow(
      /method samixp needs a pre-trained Mixer bundle \(mixerBundle "test-bundle" was not loaded\)/,
    );
    expect(() => new Trainer({ ...RUN, mixerBundle: '' }, DS)).toThrow(/mixerBundle is empty/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaks no tensors per step, in evaluate or in probe, and frees everything on dispose', async () => {
    const before = tf.memory().numTensors;
    const t = new Trainer(RUN, DS, { mixerBundle: bundle });
    await t.read([t.step()]); // burn-in
    const n = tf.memory().numTensors;
    const [m] = await t.read([t.step()]);
    expect(tf.memory().numTensors).toBe(n);
    expect(Number.isFinite(m.loss.total)).toBe(true);
    expect(m.loss.mixer).toBe(0); // no Mixer objective
    await t.evaluate();
    await t.probe([[0, 1]], 0.5);
    expect(tf.memory().numTensors).toBe(n);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic: same seed and bundle give the same metrics; another bundle changes them', async () => {
    const a = await run(RUN, bundle, 4);
    const b = await run(RUN, bundle, 4);
    expect(strip(a)).toEqual(strip(b));
    const c = await run(RUN, other, 4);
    expect(strip(c).map((m) => m.loss.mixQ)).not.toEqual(strip(a).map((m) => m.loss.mixQ));
  });

  it('keeps the pre-trained pair frozen and shows its masks in the probe', async () => {
    const t = new Trainer(RUN, DS, { mixerBundle: bundle });
    const ref = new PretrainedMixer(bundle, DS, { lamMargin: 0.08, maskAdjust: 0 });
    const x = tf.tidy(() => {
      const px = 16 * 16 * 3;
      const v = Float32Array.from(
        DS.test.images.slice(0, 2 * px),
        (p, j) => (p / 255 - DS.mean[j % 3]) / DS.std[j % 3],
      );
      return tf.tensor4d(v, [2, 16, 16, 3]);
    });
    const probeBefore = await t.probe([[0, 1]], 0.5);
    await t.read(Array.from({ length: 5 }, () => t.step()));
    const probeAfter = await t.probe([[0, 1]], 0.5);
    expect(Array.from(probeAfter.pairs[0].mask)).toEqual(Array.from(probeBefore.pairs[0].mask)); // frozen
    const m = ref.rawMask(x, Int32Array.from([1, 0]), 0.5);
    const want = (m.dataSync() as Float32Array).slice(0, 256);
    const got = probeAfter.pairs[0].mask;
    expect(got.reduce((s, v, i) => Math.max(s, Math.abs(v - want[i])), 0)).toBeLessThan(1e-6);
    tf.dispose([m, x]);
    ref.dispose();
    t.dispose();
  });

  it('trains on grayscale images of another size with an RGB bundle (replicated, resized)', async () => {
    const gray = tinyDataset({ size: 20, channels: 1, seed: 5 });
    const before = tf.memory().numTensors;
    const ms = await run(RUN, bundle, 3, gray);
    expect(ms.every((m) => Number.isFinite(m.loss.mixQ))).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
