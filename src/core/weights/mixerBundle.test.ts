import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, type RunConfig } from '../config';
import { stageFeatures } from '../model';
import { mixerForward } from '../nets/mixer';
import { tinyDataset } from '../testDatasets';
import { SslTrainer } from '../sslTrainer';
import { Trainer } from '../trainer';
import type { ImageDataset } from '../../data/types';
import {
  packMixerBundle,
  unpackMixerBundle,
  bundleFromFiles,
  manifestText,
} from '../../export/mixerBundleFile';
import { PretrainedMixer } from './mixerBundle';
import { expectedMixerSpecs, readMixerBundle, type MixerBundle } from './mixerManifest';

const BASE: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', batch: 8, width: 4, steps: 20, testSize: 16 };
const DS = tinyDataset({ size: 16, channels: 3 });
const OPTS = { lamMargin: 0.08, maskAdjust: 0 };
const PERM = Int32Array.from([3, 2, 1, 0, 7, 6, 5, 4]);

/** Normalised test images 0..7 of a dataset, `[8, H, W, C]`. */
function batch(ds: ImageDataset, n = 8): tf.Tensor4D {
  const px = ds.height * ds.width * ds.channels;
  const out = new Float32Array(n * px);
  for (let j = 0; j < n * px; j++) {
    const c = j % ds.channels;
    out[j] = (ds.test.images[j] / 255 - ds.mean[c]) / ds.std[c];
  }
  return tf.tensor4d(out, [n, ds.height, ds.width, ds.channels]);
}

/** The trainer's own inference-mode mask (frozen k to stage l + Mixer), at `outSize`. */
function sourceMask(t: Trainer, x: tf.Tensor4D, lam: number, outSize: [number, number]): Float32Array {
  const mask = tf.tidy(() => {
    const m = t.model;
    const cfg = t.config;
    const z = stageFeatures(m.k!, x, cfg.mixerStage, { training: false });
    return mixerForward(m.mixer!, { z, perm: PERM }, lam, {
      outSize,
      lamMulK: cfg.lamMulK,
      training: false,
      local: m.mixer!.kind === 'samix' && cfg.mixerLocal, // AutoMix keeps the reference Mixer
      fit: m.mixer!.kind === 'samix' && cfg.maskFit,
    }).m;
  });
  const v = mask.dataSync() as Float32Array;
  mask.dispose();
  return v;
}

function frozenMask(b: MixerBundle, target: ImageDataset, x: tf.Tensor4D, lam: number): Float32Array {
  const p = new PretrainedMixer(b, target, OPTS);
  try {
    const m = p.rawMask(x, PERM, lam);
    const v = m.dataSync() as Float32Array;
    m.dispose();
    return v;
  } finally {
    p.dispose();
  }
}

const maxDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((s, v, i) => Math.max(s, Math.abs(v - b[i])), 0);

describe('Mixer bundle (SAMix^P)', () => {
  let trainer: Trainer;
  let automix: Trainer;
  let bundle: MixerBundle;
  beforeAll(async () => {
    await initTestBackend();
    trainer = new Trainer(BASE, DS);
    await trainer.read(Array.from({ length: 6 }, () => trainer.step()));
    bundle = await trainer.exportMixerBundle();
    automix = new Trainer({ ...BASE, method: 'automix' }, DS);
    await automix.read([automix.step()]);
  });
  afterAll(() => {
    trainer.dispose();
    automix.dispose();
  });

  it('writes the manifest fields of the run and exactly the weights its architecture implies', () => {
    const m = bundle.manifest;
    expect(m).toMatchObject({
      format: 'samix-mixer',
      version: 1,
      inputShape: [16, 16, 3],
      channels: 3,
      mixerStage: 3,
      mixerVariant: 'samix',
      lamMulK: 0.25,
      mixerLocal: true, // the supervised SAMix defaults
      maskFit: true,
      width: 4,
      sourceDataset: 'tiny',
      steps: 6,
      seed: 1,
      scenario: 'sl',
      normalization: { mean: [0.4, 0.4, 0.4], std: [0.3, 0.3, 0.3] },
    });
    expect(m.weightSpecs).toEqual(expectedMixerSpecs(m));
    expect(m.weightSpecs.some((s) => s.name === 'encoder.blocks.2.bn2.movingVar')).toBe(true);
    expect(m.weightSpecs.some((s) => s.name.startsWith('encoder.blocks.3'))).toBe(false); // only up to stage 3
  });

  it('gives the same masks after export → zip → import as the run before export, for the same inputs', () => {
    const x = batch(DS);
    const before = tf.memory().numTensors;
    const back = unpackMixerBundle(packMixerBundle(bundle), 'run.mixer.zip');
    for (const lam of [0.3, 0.5, 0.81]) {
      const want = sourceMask(trainer, x, lam, [16, 16]);
      const got = frozenMask(back, DS, x, lam);
      expect(maxDiff(got, want)).toBeLessThan(1e-6);
      expect(got.some((v) => Math.abs(v - got[0]) > 1e-6)).toBe(true); // a real, non-constant mask
    }
    expect(tf.memory().numTensors).toBe(before); // load + mask + dispose leaves nothing
    x.dispose();
  });

  it('exports and reloads an AutoMix Mixer as well', async () => {
    const b = await automix.exportMixerBundle();
    expect(b.manifest.mixerVariant).toBe('automix');
    const x = batch(DS);
    expect(maxDiff(frozenMask(b, DS, x, 0.5), sourceMask(automix, x, 0.5, [16, 16]))).toBeLessThan(1e-6);
    x.dispose();
  });

  it('exports from a self-supervised SAMix run through the same function (scenario ssl)', async () => {
    const cfg = { ...BASE, scenario: 'ssl' as const, queueSize: 64, projDim: 16, projHidden: 32 };
    const ssl = new SslTrainer(cfg, DS);
    try {
      await ssl.read([ssl.step(), ssl.step()]);
      const b = await ssl.exportMixerBundle();
      expect(b.manifest).toMatchObject({
        scenario: 'ssl',
        mixerVariant: 'samix',
        steps: 2,
        inputShape: [16, 16, 3],
      });
      const again = await ssl.exportMixerBundle();
      expect(Array.from(again.weights)).toEqual(Array.from(b.weights)); // export reads, changes nothing
      await ssl.read([ssl.step()]);
      const later = await ssl.exportMixerBundle();
      expect(Array.from(later.weights)).not.toEqual(Array.from(b.weights)); // the current momentum encoder
      const x = batch(DS);
      const m = frozenMask(b, DS, x, 0.5);
      expect(m.every((v) => v > 0 && v < 1)).toBe(true);
      x.dispose();
    } finally {
      ssl.dispose();
    }
  });

  it('refuses to export from a method without a Mixer', async () => {
    const erm = new Trainer({ ...BASE, method: 'erm' }, DS);
    await expect(erm.exportMixerBundle()).rejects.toThrow(/method erm has no Mixer to export/);
    erm.dispose();
  });

  it('replicates grayscale to RGB: a gray image gives the mask of its RGB copy (other normalisation too)', () => {
    const gray = tinyDataset({ size: 16, channels: 1, seed: 3 });
    const grayOther = { ...gray, mean: [0.1], std: [0.7] }; // same pixels, different run normalisation
    const rgb: ImageDataset = {
      ...gray,
      channels: 3,
      mean: [0.4, 0.4, 0.4],
      std: [0.3, 0.3, 0.3],
      test: { ...gray.test, images: Uint8Array.from(Array.from(gray.test.images).flatMap((v) => [v, v, v])) },
    };
    const xg = batch(grayOther);
    const xr = batch(rgb);
    const want = sourceMask(trainer, xr, 0.4, [16, 16]);
    expect(maxDiff(frozenMask(bundle, grayOther, xg, 0.4), want)).toBeLessThan(1e-5);
    tf.dispose([xg, xr]);
  });

  it('reads images of another size through a resize, and returns the mask at the run size', () => {
    // 32 px images that are the 16 px test images upsampled 2× (nearest): the bilinear resize back is exact.
    const up = tf.tidy(() => {
      const x = batch(DS);
      return tf.image.resizeNearestNeighbor(x, [32, 32]);
    });
    const big: ImageDataset = { ...DS, height: 32, width: 32 };
    const got = frozenMask(bundle, big, up, 0.5);
    const x = batch(DS);
    const want = sourceMask(trainer, x, 0.5, [32, 32]);
    expect(got.length).toBe(8 * 32 * 32);
    expect(maxDiff(got, want)).toBeLessThan(1e-5);
    tf.dispose([up, x]);
  });

  it('refuses RGB images for a grayscale bundle with a message naming channels, allocating nothing', () => {
    const gray = tinyDataset({ size: 16, channels: 1 });
    const grayBundle: MixerBundle = { manifest: { ...bundle.manifest }, weights: bundle.weights };
    // A grayscale bundle: rebuild the manifest for 1 channel with a matching stem.
    const manifest = JSON.parse(manifestText(bundle)) as Record<string, unknown> & typeof bundle.manifest;
    manifest.inputShape = [16, 16, 1];
    manifest.channels = 1;
    manifest.normalization = { mean: [0.4], std: [0.3] };
    manifest.weightSpecs = manifest.weightSpecs.map((s) =>
      s.name === 'encoder.stem.conv' ? { ...s, shape: [3, 3, 1, 4] } : s,
    );
    const stemBytes = 3 * 3 * 3 * 4 * 4;
    const weights = new Uint8Array(bundle.weights.byteLength - (2 / 3) * stemBytes);
    grayBundle.manifest = readMixerBundle(manifest, weights).manifest;
    grayBundle.weights = weights;
    const before = tf.memory().numTensors;
    expect(() => new PretrainedMixer(grayBundle, DS, OPTS)).toThrow(
      /channels 1 of the bundle cannot read 3-channel images/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const ok = new PretrainedMixer(grayBundle, gray, OPTS); // 1 → 1 is fine
    ok.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('bad bundles: a message naming the field, nothing loaded', () => {
    const edit = (f: (m: Record<string, unknown>) => void): Record<string, unknown> => {
      const m = JSON.parse(manifestText(bundle)) as Record<string, unknown>;
      f(m);
      return m;
    };
    const specs = (m: Record<string, unknown>) =>
      m.weightSpecs as Array<{ name: string; shape: number[]; dtype: string }>;
    const cases: Array<[string, () => [Record<string, unknown>, Uint8Array], string, RegExp]> = [
      [
        'wrong format',
        () => [edit((m) => (m.format = 'tfjs-model')), bundle.weights],
        'format',
        /format must be "samix-mixer"; got "tfjs-model"/,
      ],
      [
        'newer version',
        () => [edit((m) => (m.version = 2)), bundle.weights],
        'version',
        /version 2 is newer than this app reads \(1\)/,
      ],
      [
        'mixerLocal not a boolean',
        () => [edit((m) => (m.mixerLocal = 'yes')), bundle.weights],
        'mixerLocal',
        /mixerLocal must be true or false when present; got "yes"/,
      ],
      [
        'older version',
        () => [edit((m) => (m.version = 0)), bundle.weights],
        'version',
        /version 0 is not supported/,
      ],
      [
        'no version',
        () => [edit((m) => delete m.version), bundle.weights],
        'version',
        /version must be an integer/,
      ],
      [
        'missing weight',
        () => [
          edit((m) => (m.weightSpecs = specs(m).filter((s) => s.name !== 'mixer.value2'))),
          bundle.weights.slice(0, bundle.weights.byteLength - 4 * 4 * 2),
        ],
        'mixer.value2',
        /missing weight mixer\.value2/,
      ],
      [
        'weight with a wrong shape',
        () => [edit((m) => (specs(m)[0].shape = [3, 3, 3, 5])), bundle.weights],
        'encoder.stem.conv',
        /weight encoder\.stem\.conv has shape \[3, 3, 3, 5\] but the manifest \(samix Mixer on stage 3, width 4, 3 channels\) needs \[3, 3, 3, 4\]/,
      ],
      [
        'weight with a wrong dtype',
        () => [edit((m) => (specs(m)[1].dtype = 'int32')), bundle.weights],
        'encoder.stem.bn.gamma',
        /encoder\.stem\.bn\.gamma is int32/,
      ],
      [
        'width not matching the weights',
        () => [edit((m) => (m.width = 8)), bundle.weights],
        'encoder.stem.conv',
        /has shape \[3, 3, 3, 4\] but the manifest .*width 8.* needs \[3, 3, 3, 8\]/,
      ],
      [
        'stage not matching the weights',
        () => [edit((m) => (m.mixerStage = 2)), bundle.weights],
        'mixer.query.w',
        /weight mixer\.query\.w has shape \[32, 8\] but the manifest \(samix Mixer on stage 2, width 4, 3 channels\) needs \[16, 4\]/,
      ],
      [
        'variant not matching',
        () => [edit((m) => (m.mixerVariant = 'automix')), bundle.weights],
        'mixer.embed.w',
        /missing weight mixer\.embed\.w/,
      ],
      [
        'unknown variant',
        () => [edit((m) => (m.mixerVariant = 'puzzle')), bundle.weights],
        'mixerVariant',
        /mixerVariant must be one of samix, automix/,
      ],
      [
        'channels ≠ inputShape',
        () => [edit((m) => (m.channels = 1)), bundle.weights],
        'channels',
        /channels \(1\) does not match inputShape\[2\] \(3\)/,
      ],
      [
        'bad inputShape',
        () => [edit((m) => (m.inputShape = [16, 16])), bundle.weights],
        'inputShape',
        /inputShape must be \[height, width, channels\]/,
      ],
      [
        'normalization per channel',
        () => [edit((m) => (m.normalization = { mean: [0.4], std: [0.3] })), bundle.weights],
        'normalization.mean',
        /normalization\.mean must be 3 numbers/,
      ],
      [
        'truncated weights.bin',
        () => [edit(() => undefined), bundle.weights.slice(0, 100)],
        'encoder.stem.conv',
        /weights\.bin is too short: 100 bytes.*weight encoder\.stem\.conv is cut off.*do not match/,
      ],
      [
        'weights.bin too long',
        () => [edit(() => undefined), new Uint8Array(bundle.weights.byteLength + 8)],
        'weights.bin',
        /weights\.bin has \d+ bytes but the weight specs describe \d+/,
      ],
    ];
    it.each(cases)('%s', (_what, make, field, re) => {
      const [manifest, weights] = make();
      const before = tf.memory().numTensors;
      let err: (Error & { field?: string }) | null = null;
      try {
        readMixerBundle(manifest, weights);
      } catch (e) {
        err = e as Error & { field?: string };
      }
      expect(err?.message).toMatch(/^mixer bundle: /);
      expect(err?.message).toMatch(re);
      expect(err?.field).toBe(field);
      // The loader re-validates: a forged bundle object fails the same way and allocates nothing.
      expect(() => new PretrainedMixer({ manifest: manifest as never, weights }, DS, OPTS)).toThrow(re);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('refuses weights holding NaN (a diverged run), naming the weight, and allocates nothing', () => {
      const manifest = edit(() => undefined);
      const [first, second] = specs(manifest);
      const w = bundle.weights.slice();
      new DataView(w.buffer).setFloat32((first.shape.reduce((a, b) => a * b, 1) + 2) * 4, NaN, true);
      const before = tf.memory().numTensors;
      let err: (Error & { field?: string }) | null = null;
      try {
        readMixerBundle(manifest, w);
      } catch (e) {
        err = e as Error & { field?: string };
      }
      expect(err?.field).toBe(second.name);
      expect(err?.message).toBe(
        `mixer bundle: weights.bin: ${second.name} holds NaN at index 2: the Mixer was exported from a diverged run; export it again from a healthy run`,
      );
      expect(() => new PretrainedMixer({ manifest: manifest as never, weights: w }, DS, OPTS)).toThrow(
        /holds NaN/,
      );
      expect(tf.memory().numTensors).toBe(before);
      expect(() => readMixerBundle(manifest, bundle.weights)).not.toThrow();
    });

    it('names the file for a non-zip, a zip without weights.bin, and bad manifest JSON', () => {
      expect(() => unpackMixerBundle(new Uint8Array([1, 2, 3]), 'x.zip')).toThrow(
        /x\.zip is not a Mixer bundle: expected a zip/,
      );
      const zip = packMixerBundle(bundle);
      expect(() => unpackMixerBundle(zip.slice(0, 40), 'cut.zip')).toThrow(/cut\.zip/);
      expect(() => bundleFromFiles('{"format": ', bundle.weights, 'dir')).toThrow(
        /dir: manifest\.json is not valid JSON/,
      );
    });
  });
});
