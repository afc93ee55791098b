import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, type MethodName, type RunConfig } from '../config';
import { tinyDataset } from '../testDatasets';
import { Trainer } from '../trainer';
import { SAMPLE_ROWS } from './batchSample';

const BASE: RunConfig = {
  ...DEFAULT_CONFIG,
  batch: 8,
  width: 4,
  steps: 40,
  testSize: 16,
  augment: false,
};
const DS = tinyDataset();
const HWC = DS.height * DS.width * DS.channels;

/** Training images as uint8 HWC, one per index. */
const TRAIN = Array.from({ length: DS.train.count }, (_, i) =>
  DS.train.images.subarray(i * HWC, (i + 1) * HWC),
);

/** Largest per-pixel difference between `img` and the closest training image. */
function distanceToTrainSet(img: Uint8Array): number {
  let best = Infinity;
  for (const t of TRAIN) {
    let worst = 0;
    for (let j = 0; j < HWC && worst < best; j++) worst = Math.max(worst, Math.abs(t[j] - img[j]));
    best = Math.min(best, worst);
  }
  return best;
}

describe('current-batch samples', () => {
  beforeAll(() => initTestBackend());

  it('are null before the first step', async () => {
    const t = new Trainer(BASE, DS);
    expect(await t.lastBatchSamples(4)).toBeNull();
    t.dispose();
  });

  it('ERM shows the clean training images of the batch with λ = 1 and equal labels', async () => {
    const t = new Trainer({ ...BASE, method: 'erm' }, DS);
    await t.read([t.step()]);
    const s = (await t.lastBatchSamples(3))!;
    expect(s.step).toBe(1);
    expect(s.images.length).toBe(3);
    expect([s.height, s.width, s.channels]).toEqual([DS.height, DS.width, DS.channels]);
    for (let i = 0; i < 3; i++) {
      // De-normalised with the dataset's mean/std, each sample is a training image (±1 rounding).
      expect(distanceToTrainSet(s.images[i])).toBeLessThanOrEqual(1);
      expect(s.lam[i]).toBe(1);
      expect(s.labelA[i]).toBe(s.labelB[i]);
    }
    t.dispose();
  });

  it.each<MethodName>(['mixup', 'cutmix', 'samix'])(
    '%s: mixed samples with λ in [0,1], labels in range; one kept set, no leak, freed on dispose',
    async (method) => {
      const before = tf.memory().numTensors;
      const t = new Trainer({ ...BASE, method }, DS);
      await t.read([t.step()]);
      const n = tf.memory().numTensors;
      await t.read([t.step(), t.step()]);
      const s = (await t.lastBatchSamples(SAMPLE_ROWS + 3))!;
      expect(tf.memory().numTensors).toBe(n); // the previous step's rows were released
      expect(s.step).toBe(3);
      expect(s.images.length).toBe(SAMPLE_ROWS);
      for (let i = 0; i < SAMPLE_ROWS; i++) {
        expect(s.images[i].length).toBe(HWC);
        expect(s.lam[i]).toBeGreaterThanOrEqual(0);
        expect(s.lam[i]).toBeLessThanOrEqual(1);
        expect(s.labelA[i]).toBeLessThan(DS.classes.length);
        expect(s.labelB[i]).toBeLessThan(DS.classes.length);
      }
      // At least one sample mixes two different images: it is not itself a training image.
      if (method === 'mixup') {
        const off = s.images.map(distanceToTrainSet);
        expect(Math.max(...off)).toBeGreaterThan(1);
      }
      t.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
