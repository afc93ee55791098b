import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { DEFAULT_CONFIG, type MethodName, type RunConfig } from './config';
import { meanObjectKept, OBJECT_KEPT_PAIRS, objectKeptPairs, pairObjectKept, shareKept } from './objectKept';
import { tinyDataset } from './testDatasets';
import { Trainer } from './trainer';

// A 2×2 image: A's object is the top row, B's the bottom row.
const TOP = [255, 255, 0, 0];
const BOTTOM = [0, 0, 255, 255];

describe('object-kept score, hand cases', () => {
  it('is 2 when each image shows where its object is, 0 when the mask hides both', () => {
    expect(pairObjectKept([0, 0, 1, 1], TOP, 0, BOTTOM, 0)).toBe(2);
    expect(pairObjectKept([1, 1, 0, 0], TOP, 0, BOTTOM, 0)).toBe(0);
  });

  it('is 1 for any constant mask (a mask that ignores the images)', () => {
    for (const m of [0, 0.3, 0.5, 0.9]) {
      expect(pairObjectKept([m, m, m, m], TOP, 0, BOTTOM, 0)).toBeCloseTo(1, 12);
    }
  });

  it('weights the shares by the object mask and reads it at an offset', () => {
    // A's object covers pixels 0 (weight 1) and 1 (weight 3); the mask keeps A fully at 0, half at 1.
    expect(shareKept([9, 9, 1, 3, 0, 0], 2, [1, 0.5, 0, 0])).toBeCloseTo((1 * 1 + 3 * 0.5) / 4, 12);
    // B = pixel 3 only, shown with weight 0.25; A = pixels 0, 1, shown fully at 0 and not at 1.
    expect(pairObjectKept([0, 1, 0, 0.25], [255, 255, 0, 0], 0, [0, 0, 0, 255], 0)).toBeCloseTo(
      0.5 + 0.25,
      12,
    );
  });

  it('is NaN for an empty object, and the mean skips such pairs', () => {
    expect(Number.isNaN(shareKept([0, 0, 0, 0], 0, [1, 1, 1, 1]))).toBe(true);
    const ds = tinyDataset({ size: 2, classes: 2, test: 2 });
    ds.test.objectMasks = Uint8Array.from([...TOP, 0, 0, 0, 0]);
    expect(
      meanObjectKept(ds, [
        { indexA: 0, indexB: 0, mask: [0, 0, 0, 0] }, // A fully shown (1) + B = A's object, hidden (0)
        { indexA: 1, indexB: 0, mask: [0, 0, 0, 0] }, // A has no object: skipped
      ]),
    ).toBe(1);
    expect(Number.isNaN(meanObjectKept({ ...ds, test: { ...ds.test, objectMasks: undefined } }, []))).toBe(
      true,
    );
  });
});

describe('object-kept score of a run (Trainer.evaluate)', () => {
  beforeAll(() => initTestBackend());
  const ds = tinyDataset({ test: 160 });
  const base: RunConfig = { ...DEFAULT_CONFIG, batch: 8, width: 4, steps: 20, testSize: 16 };

  async function keptAfterSteps(method: MethodName, data = ds, steps = 2): Promise<number | undefined> {
    const t = new Trainer({ ...base, method }, data);
    try {
      await t.read(Array.from({ length: steps }, () => t.step()));
      return (await t.evaluate()).objectKept;
    } finally {
      t.dispose();
    }
  }

  it('uses fixed pairs of two different classes', () => {
    const pairs = objectKeptPairs(ds);
    expect(pairs).toHaveLength(OBJECT_KEPT_PAIRS);
    expect(objectKeptPairs(ds)).toEqual(pairs);
    for (const [a, b] of pairs) expect(ds.test.labels[a]).not.toBe(ds.test.labels[b]);
  });

  it('is exactly 1 for Mixup (a constant mask) and in [0, 2] for masks that read the images', async () => {
    expect(await keptAfterSteps('mixup')).toBeCloseTo(1, 5);
    for (const method of ['cutmix', 'samix', 'automix', 'puzzlemix'] as const) {
      const v = await keptAfterSteps(method);
      expect(v, method).toBeGreaterThanOrEqual(0);
      expect(v, method).toBeLessThanOrEqual(2);
    }
  });

  it('is the same number when measured twice on the same weights (its own generator)', async () => {
    const t = new Trainer({ ...base, method: 'cutmix' }, ds);
    try {
      await t.read([t.step()]);
      const a = (await t.evaluate()).objectKept;
      const b = (await t.evaluate()).objectKept;
      expect(a).toBe(b);
    } finally {
      t.dispose();
    }
  });

  it('is absent without a pixel mask in place or without object masks, and leaks nothing', async () => {
    for (const method of ['erm', 'manifoldmix', 'resizemix'] as const) {
      expect(await keptAfterSteps(method), method).toBeUndefined();
    }
    const noObjects = { ...ds, test: { ...ds.test, objectMasks: undefined } };
    expect(await keptAfterSteps('samix', noObjects)).toBeUndefined();
    const t = new Trainer({ ...base, method: 'samix' }, ds);
    await t.evaluate();
    const n = tf.memory().numTensors;
    await t.evaluate();
    expect(tf.memory().numTensors).toBe(n);
    t.dispose();
  });
});
