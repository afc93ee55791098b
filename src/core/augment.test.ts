import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { applyAugment, drawAugment } from './augment';
import { Rng } from '../lib/random';
import { ResidentData } from './residentData';
import { tinyDataset } from './testDatasets';

/** Host reference: reflect-pad by p, crop at (dy, dx), optionally flip. */
function reference(img: number[][][], dy: number, dx: number, flip: boolean, p: number): number[][][] {
  const n = img.length;
  const reflect = (i: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  return Array.from({ length: n }, (_, y) =>
    Array.from({ length: n }, (_, x) => {
      const xs = flip ? n - 1 - x : x;
      return img[reflect(y + dy - p)][reflect(xs + dx - p)];
    }),
  );
}

describe('augmentation (random crop with reflect padding 4 + flip)', () => {
  beforeAll(() => initTestBackend());

  it('copies pixels exactly as a host reference crop/flip does', () => {
    const rng = new Rng(4);
    const params = drawAugment(rng, 6, true);
    expect(Array.from(params.flips).some((f) => f === 1)).toBe(true);
    expect(Math.max(...params.offsets)).toBeLessThanOrEqual(8);
    tf.tidy(() => {
      const x = tf.tensor4d(rng.normalArray(6 * 12 * 12 * 2, 1), [6, 12, 12, 2]);
      const got = applyAugment(x, params).arraySync();
      const src = x.arraySync();
      for (let i = 0; i < 6; i++) {
        const want = reference(
          src[i],
          params.offsets[2 * i],
          params.offsets[2 * i + 1],
          params.flips[i] === 1,
          4,
        );
        expect(got[i]).toEqual(want);
      }
    });
  });

  it('never flips when the dataset forbids it', () => {
    const p = drawAugment(new Rng(1), 50, false);
    expect(Array.from(p.flips).every((f) => f === 0)).toBe(true);
  });
});

describe('ResidentData', () => {
  beforeAll(() => initTestBackend());

  it('normalises on upload and streams epoch permutations from the Rng', () => {
    const ds = tinyDataset({ train: 10, test: 6, channels: 1 });
    const data = new ResidentData(ds, { trainSize: 0, testSize: 4 });
    expect(data.testCount).toBe(4);
    const v = data.trainX.dataSync()[0];
    expect(v).toBeCloseTo((ds.train.images[0] / 255 - 0.4) / 0.3, 5);
    const rng = new Rng(3);
    const seen = [...data.nextIndices(rng, 4), ...data.nextIndices(rng, 4), ...data.nextIndices(rng, 4)];
    expect(new Set(seen.slice(0, 10)).size).toBe(10); // one full epoch before any repeat
    expect(data.epoch).toBeCloseTo(1.2, 10);
    const before = tf.memory().numTensors;
    const b = data.nextBatch(rng, 4, true);
    expect(b.x.shape).toEqual([4, 16, 16, 1]);
    expect(b.y.dtype).toBe('int32');
    tf.dispose([b.x, b.y]);
    expect(tf.memory().numTensors).toBe(before);
    data.dispose();
  });

  it('fetches + augments a batch in one gather, equal to gather-then-augment', () => {
    const ds = tinyDataset({ train: 12, test: 2 });
    const a = new ResidentData(ds, { trainSize: 0, testSize: 0 });
    const b = new ResidentData(ds, { trainSize: 0, testSize: 0 });
    tf.tidy(() => {
      const got = a.nextBatch(new Rng(5), 6, true);
      const rng = new Rng(5);
      const idx = b.nextIndices(rng, 6);
      const params = drawAugment(rng, 6, true);
      const want = applyAugment(tf.gather(b.trainX, tf.tensor1d(idx, 'int32')) as tf.Tensor4D, params);
      expect(tf.max(tf.abs(tf.sub(got.x, want))).arraySync()).toBe(0);
      expect(Array.from(got.y.dataSync())).toEqual(Array.from(idx, (i) => ds.train.labels[i]));
    });
    a.dispose();
    b.dispose();
  });
});
