/**
 * The supervised SAMix Mixer's two browser options (`mixerLocal`, `maskFit`; docs/decisions.md,
 * "The SAMix Mixer's two browser switches"): what they do to one Mixer pass, and to the training step.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { DEFAULT_CONFIG, type RunConfig } from './config';
import { buildMixer, mixerForward, type MixerOptions, type SamixMixerParams } from './nets/mixer';
import { disposeParams } from './nets/params';
import { Rng } from '../lib/random';
import { tinyDataset } from './testDatasets';
import { Trainer } from './trainer';
import { PretrainedMixer } from './weights/mixerBundle';
import { readMixerBundle } from './weights/mixerManifest';

const OPTS: MixerOptions = { outSize: [8, 8], lamMulK: 0.25, training: true };
const PERM = new Int32Array([1, 2, 3, 0]);
const BASE: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', batch: 8, width: 4, steps: 40, testSize: 16 };

function features(seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normalArray(4 * 4 * 4 * 6, 1), [4, 4, 4, 6]);
}

describe('Mixer options', () => {
  beforeAll(() => initTestBackend());

  it('mixerLocal adds each position its own value score: with uniform attention, logits = mean V + V', () => {
    const p = buildMixer(new Rng(3), 'samix', 6) as SamixMixerParams;
    tf.tidy(() => {
      for (const v of [p.query.w, p.query.b, p.key.w, p.key.b]) (v as tf.Variable).assign(tf.zerosLike(v)); // P uniform
      p.value2.assign(tf.mul(p.value2, 100));
    });
    const z = features(4);
    const [pooled, local] = [false, true].map((on) =>
      mixerForward(p, { z, perm: PERM }, 0.3, { ...OPTS, local: on }),
    );
    tf.tidy(() => {
      const v = tf.sub(local.logits, pooled.logits); // = V(p)
      // The reference logit is the same number everywhere (mean V); V varies over positions.
      expect(tf.max(tf.moments(pooled.logits, [1, 2]).variance).dataSync()[0]).toBeLessThan(1e-10);
      expect(tf.min(tf.moments(v, [1, 2]).variance).dataSync()[0]).toBeGreaterThan(1e-4);
      // and its spatial mean is exactly that number.
      const gap = tf.max(tf.abs(tf.sub(tf.mean(v, [1, 2]), tf.mean(pooled.logits, [1, 2])))).dataSync()[0];
      expect(gap).toBeLessThan(1e-5);
    });
    tf.dispose([z, pooled.m, pooled.logits, pooled.attention, local.m, local.logits, local.attention]);
    disposeParams([p]);
  });

  it('maskFit gives every mask the mean 1 − λ, for SAMix and AutoMix Mixers', () => {
    const z = features(5);
    for (const kind of ['samix', 'automix'] as const) {
      const p = buildMixer(new Rng(6), kind, 6);
      tf.tidy(() => {
        const last = p.kind === 'samix' ? p.value2 : p.value.w;
        last.assign(tf.mul(last, 300)); // masks far from ½ before the fit
        for (const lam of [0.15, 0.5, 0.8]) {
          const raw = mixerForward(p, { z, perm: PERM }, lam, OPTS).m;
          const fit = mixerForward(p, { z, perm: PERM }, lam, { ...OPTS, fit: true }).m;
          const rawGap = tf.max(tf.abs(tf.sub(tf.mean(raw, [1, 2, 3]), 1 - lam))).dataSync()[0];
          const fitGap = tf.max(tf.abs(tf.sub(tf.mean(fit, [1, 2, 3]), 1 - lam))).dataSync()[0];
          expect(rawGap, `${kind} λ=${lam} raw`).toBeGreaterThan(0.02);
          expect(fitGap, `${kind} λ=${lam} fitted`).toBeLessThan(1e-5);
        }
        // λ of exactly 0 or 1 (a Beta draw with a tiny α) fits to just inside (0, 1) instead of failing.
        for (const lam of [0, 1]) {
          const fit = mixerForward(p, { z, perm: PERM }, lam, { ...OPTS, fit: true }).m;
          const mean = tf.mean(fit).dataSync()[0];
          expect(Math.abs(mean - (1 - lam))).toBeLessThan(2e-4);
        }
      });
      disposeParams([p]);
    }
    z.dispose();
  });

  it('in training, the backbone mask mean equals λ_bb at every step with maskFit, and not without', async () => {
    const gaps = async (cfg: RunConfig): Promise<number[]> => {
      const t = new Trainer(cfg, tinyDataset());
      const ms = await t.read(Array.from({ length: 12 }, () => t.step()));
      t.dispose();
      return ms
        .filter((m) => m.lamBb > cfg.lamMargin && m.lamBb < 1 - cfg.lamMargin)
        .map((m) => Math.abs(m.maskMean - m.lamBb));
    };
    const fitted = await gaps({ ...BASE, mixerLocal: true, maskFit: true, maskLossWeight: 0.3 });
    expect(fitted.length).toBeGreaterThan(6);
    fitted.forEach((g) => expect(g).toBeLessThan(1e-4));
    // The reference Mixer starts at m ≈ ½ everywhere, so its mean misses most λ_bb.
    const reference = await gaps({ ...BASE, mixerLocal: false, maskFit: false });
    expect(Math.max(...reference)).toBeGreaterThan(0.05);
    // AutoMix is the reference AutoMix whatever the switches say.
    const automix = await gaps({ ...BASE, method: 'automix', mixerLocal: true, maskFit: true });
    expect(Math.max(...automix)).toBeGreaterThan(0.05);
  });

  it('a SAMix step with both options leaks no tensors, for every part, and reports finite losses', async () => {
    const t = new Trainer({ ...BASE, mixerLocal: true, maskFit: true }, tinyDataset());
    for (const part of ['both', 'mixer', 'classifier'] as const) {
      await t.read([t.step(part)]);
      const n = tf.memory().numTensors;
      const [m] = await t.read([t.step(part)]);
      expect(tf.memory().numTensors, part).toBe(n);
      expect(Number.isFinite(m.loss.total), part).toBe(true);
    }
    await t.probe([[0, 1]], 0.4);
    const n = tf.memory().numTensors;
    const pr = await t.probe([[0, 1]], 0.4);
    expect(tf.memory().numTensors).toBe(n);
    // The gallery shows the fitted mask: its mean is the probe's λ.
    expect(pr.pairs[0].lamEff).toBeCloseTo(0.4, 4);
    t.dispose();
  });

  it("a bundle carries both options: SAMix^P masks equal the source run's gallery masks; old bundles read as off", async () => {
    const t = new Trainer({ ...BASE, mixerLocal: true, maskFit: true }, tinyDataset());
    await t.read(Array.from({ length: 4 }, () => t.step()));
    const bundle = await t.exportMixerBundle();
    expect(bundle.manifest).toMatchObject({ mixerLocal: true, maskFit: true });
    const ds = tinyDataset();
    const pairs: Array<[number, number]> = [
      [0, 1],
      [2, 3],
    ];
    const want = (await t.probe(pairs, 0.3)).pairs.map((p) => Array.from(p.mask));
    const frozen = new PretrainedMixer(bundle, ds, { lamMargin: 0.08, maskAdjust: 0 });
    const got = tf.tidy(() => {
      const px = ds.height * ds.width * ds.channels;
      const idx = [0, 2, 1, 3]; // A_1, A_2, B_1, B_2 as the probe stacks them
      const x = idx.flatMap((i) =>
        Array.from(
          ds.test.images.slice(i * px, (i + 1) * px),
          (v, j) => (v / 255 - ds.mean[j % ds.channels]) / ds.std[j % ds.channels],
        ),
      );
      const m = frozen.rawMask(
        tf.tensor4d(x, [4, ds.height, ds.width, ds.channels]),
        new Int32Array([2, 3, 0, 1]),
        0.3,
      );
      return Array.from(m.dataSync()).slice(0, 2 * ds.height * ds.width);
    });
    const hw = ds.height * ds.width;
    [0, 1].forEach((i) => {
      const diff = got
        .slice(i * hw, (i + 1) * hw)
        .reduce((d, v, j) => Math.max(d, Math.abs(v - want[i][j])), 0);
      expect(diff).toBeLessThan(1e-5);
    });
    frozen.dispose();
    // A manifest written before the options existed has neither field: both read as off.
    const old = JSON.parse(JSON.stringify(bundle.manifest)) as Record<string, unknown>;
    delete old.mixerLocal;
    delete old.maskFit;
    expect(readMixerBundle(old, bundle.weights).manifest).toMatchObject({
      mixerLocal: false,
      maskFit: false,
    });
    t.dispose();
  });
});
