import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATASET_CATALOG } from '../data/catalog';
import { CIFAR10_MEAN, CIFAR10_STD, cifarFromFiles } from '../data/cifar';
import { datasetFromImages } from '../data/folder';
import { idxToDataset } from '../data/idx';
import { loadDatasetNode, PUBLIC_DATA_DIR } from '../data/nodeLoad';
import { generateShapes } from '../data/shapes';
import { channelStats } from '../data/stats';
import { makeCifarBatch, makeIdx } from '../data/testFixtures';
import type { ImageDataset } from '../data/types';
import { initTestBackend } from '../testing/tf';
import { applyAugment, drawAugment } from './augment';
import { Rng } from '../lib/random';
import { ResidentData } from './residentData';
import { tinyDataset } from './testDatasets';

/** Per-dataset normalisation and the flip rule (off for digits), from the loaders to the batch. */

function expectStatsOf(ds: ImageDataset): void {
  const s = channelStats(ds.train.images, ds.channels);
  for (let c = 0; c < ds.channels; c++) {
    expect(ds.mean[c]).toBeCloseTo(s.mean[c], 6);
    expect(ds.std[c]).toBeCloseTo(s.std[c], 6);
  }
}

describe('per-dataset normalisation and flips', () => {
  beforeAll(() => initTestBackend());

  it('every loader sets its own mean/std and the flip rule the catalog states (digits: no flip)', async () => {
    const shapes = generateShapes({ trainCount: 40, testCount: 10 });
    expectStatsOf(shapes);
    expect(shapes.flip).toBe(DATASET_CATALOG.shapes.flip);
    expect(shapes.flip).toBe(true);

    const cifar = await cifarFromFiles([
      { name: 'data_batch_1.bin', data: makeCifarBatch([0, 1, 2, 3]) },
      { name: 'test_batch.bin', data: makeCifarBatch([4]) },
    ]);
    expect([cifar.mean, cifar.std]).toEqual([CIFAR10_MEAN, CIFAR10_STD]);
    expect(cifar.flip).toBe(DATASET_CATALOG.cifar10.flip);

    const digits = idxToDataset({
      name: 'idx',
      train: {
        images: makeIdx(
          [10, 8, 8],
          Uint8Array.from({ length: 640 }, (_, i) => (i * 37) & 0xff),
        ),
        imagesFile: 'train-images',
        labels: makeIdx(
          [10],
          Uint8Array.from({ length: 10 }, (_, i) => i % 2),
        ),
        labelsFile: 'train-labels',
      },
    });
    expectStatsOf(digits);
    expect(digits.flip).toBe(false);
    expect(DATASET_CATALOG.idx.flip).toBe(false);

    const rgba = (v: number) => ({ rgba: new Uint8Array(4 * 4 * 4).fill(v), width: 4, height: 4 });
    const folder = datasetFromImages(
      ['a', 'b'].flatMap((c, k) =>
        [0, 1, 2, 3, 4].map((i) => ({ path: `set/${c}/${i}.png`, pixels: rgba(40 + 100 * k + i) })),
      ),
      { size: 8, channels: 3, name: 'set' },
    );
    expectStatsOf(folder);
    expect(folder.flip).toBe(DATASET_CATALOG.folder.flip);
  });

  it.skipIf(!existsSync(join(PUBLIC_DATA_DIR, 'mnist', 'manifest.json')))(
    'the MNIST shards are not flipped and carry their own statistics',
    async () => {
      const mnist = await loadDatasetNode('mnist');
      expect(mnist.flip).toBe(false);
      expect(DATASET_CATALOG.mnist.flip).toBe(false);
      expectStatsOf(mnist);
    },
  );

  it.skipIf(!existsSync(join(PUBLIC_DATA_DIR, 'fashion-mnist', 'manifest.json')))(
    'the Fashion-MNIST shards are flipped and carry their own statistics',
    async () => {
      const fashion = await loadDatasetNode('fashion-mnist');
      expect(fashion.flip).toBe(true);
      expect(DATASET_CATALOG['fashion-mnist'].flip).toBe(true);
      expectStatsOf(fashion);
    },
  );

  it('ResidentData normalises each channel with the dataset’s own mean and std', () => {
    const ds = { ...tinyDataset({ train: 6, test: 2 }), mean: [0.1, 0.5, 0.9], std: [0.2, 0.3, 0.4] };
    const data = new ResidentData(ds, { trainSize: 0, testSize: 0 });
    const got = data.trainX.dataSync();
    for (let i = 0; i < got.length; i++) {
      const c = i % 3;
      expect(got[i]).toBeCloseTo((ds.train.images[i] / 255 - ds.mean[c]) / ds.std[c], 4);
    }
    data.dispose();
  });

  it('a batch of a no-flip dataset is cropped but never flipped; with flips allowed, some are', () => {
    for (const flip of [false, true]) {
      const ds = tinyDataset({ train: 32, test: 2, flip });
      const a = new ResidentData(ds, { trainSize: 0, testSize: 0 });
      const b = new ResidentData(ds, { trainSize: 0, testSize: 0 });
      tf.tidy(() => {
        const got = a.nextBatch(new Rng(9), 16, true);
        // Replay the same draws: indices, then crop offsets and (only when allowed) flip coins.
        const rng = new Rng(9);
        const idx = b.nextIndices(rng, 16);
        const params = drawAugment(rng, 16, flip);
        expect(Array.from(params.flips).some((f) => f === 1)).toBe(flip);
        const want = applyAugment(tf.gather(b.trainX, tf.tensor1d(idx, 'int32')) as tf.Tensor4D, params);
        expect(tf.max(tf.abs(tf.sub(got.x, want))).arraySync()).toBe(0);
      });
      a.dispose();
      b.dispose();
    }
  });
});
