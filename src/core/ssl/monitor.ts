/**
 * The label-using monitors of a self-supervised run (`SslTrainer.evaluate()` / `linearProbe()`):
 * training never reads a label, these only measure. Both work on the online encoder's frozen GAP
 * features (inference-mode BN): a weighted kNN classifier (cosine, k = `knnK`, τ = `knnTemperature`)
 * of the test images against a memory bank of the first `KNN_BANK_SIZE` training images, and a linear
 * probe (softmax regression) trained on the bank's features and scored on the test features.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import { Rng } from '../../lib/random';
import type { ResidentData } from '../residentData';
import type { EvalResult } from '../trainerTypes';
import { knnCorrect } from './knn';
import { linearProbe } from './linearProbe';
import { frozenFeatures, type SslNets } from './model';

/** Training images in the kNN memory bank and the linear probe's training set. */
export const KNN_BANK_SIZE = 4096;
/** Images per inference forward. */
const FEATURE_BATCH = 250;

/** What the monitors read: the online encoder (its flat storage, synced first) and the dataset. */
export interface MonitorInput {
  nets: Pick<SslNets, 'q' | 'qBody'>;
  data: ResidentData;
  cfg: RunConfig;
  classes: number;
}

interface FeatureSets {
  bank: tf.Tensor2D;
  bankY: tf.Tensor1D;
  test: tf.Tensor2D;
  testY: tf.Tensor1D;
}

/** Frozen online-encoder features `[n, 8W]` of `count` images from `x` (inference mode). */
function features(nets: MonitorInput['nets'], x: tf.Tensor4D, count: number): tf.Tensor2D {
  nets.q.sync();
  const enc = nets.qBody.encoder;
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < count; s += FEATURE_BATCH) {
      const e = Math.min(count, s + FEATURE_BATCH);
      parts.push(frozenFeatures(enc, tf.slice(x, [s, 0, 0, 0], [e - s, -1, -1, -1])));
    }
    return tf.concat(parts) as tf.Tensor2D;
  });
}

/** The memory bank (first `KNN_BANK_SIZE` training images) and the test features, with labels. */
function featureSets({ nets, data }: MonitorInput): FeatureSets {
  const m = Math.min(KNN_BANK_SIZE, data.trainCount);
  return {
    bank: features(nets, data.trainX, m),
    bankY: tf.slice(data.trainY, [0], [m]),
    test: features(nets, data.testX, data.testCount),
    testY: data.testY,
  };
}

/** Frees what `featureSets` made (the test labels are the resident data's own). */
function disposeSets(f: FeatureSets): void {
  f.bank.dispose();
  f.bankY.dispose();
  f.test.dispose();
}

/** kNN accuracy of the test images at `step` (reported as `knnAcc` and as `testAccQ`; `testAccK` NaN). */
export async function knnEvaluate(input: MonitorInput, step: number): Promise<EvalResult> {
  const { data, cfg } = input;
  if (data.testCount === 0) return { step, testAccQ: NaN, testAccK: NaN, knnAcc: NaN };
  const f = featureSets(input);
  const correct = tf.tidy(() =>
    knnCorrect(f.bank, f.bankY, f.test, f.testY, {
      k: cfg.knnK,
      temperature: cfg.knnTemperature,
      classes: input.classes,
    }),
  );
  disposeSets(f);
  const [c] = await correct.data();
  correct.dispose();
  const knnAcc = c / data.testCount;
  return { step, testAccQ: knnAcc, testAccK: NaN, knnAcc };
}

/**
 * Linear probe on frozen features: softmax regression for `probeEpochs` epochs on the bank's
 * features, scored on the test features. Uses its own generator (seeded from the run seed), so it
 * changes nothing in the run.
 * @returns test accuracy of the probe
 */
export async function frozenLinearProbe(input: MonitorInput): Promise<number> {
  const { data, cfg } = input;
  if (data.testCount === 0) return NaN;
  const f = featureSets(input);
  try {
    return await linearProbe(f.bank, f.bankY, f.test, f.testY, new Rng(cfg.seed + 7919), {
      epochs: cfg.probeEpochs,
      classes: input.classes,
    });
  } finally {
    disposeSets(f);
  }
}
