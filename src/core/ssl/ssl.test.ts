import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeAll, expectNoLeak, initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, validateConfig } from '../config';
import { sslEtaLoss } from '../losses';
import { Rng } from '../../lib/random';
import { crossViewMix, crossViewSims, mixedContrastive } from '../scenarios/sslStep';
import { knnCorrect, knnPredict } from './knn';
import { linearProbe } from './linearProbe';
import { KeyQueue } from './queue';

const rows = (t: tf.Tensor): number[][] => t.arraySync() as number[][];

describe('KeyQueue', () => {
  beforeAll(() => initTestBackend());

  it('starts with unit vectors and is FIFO with the pointer modulo K', () => {
    const q = new KeyQueue(new Rng(1), 6, 2);
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(q.keys), 1)).arraySync() as number[]);
    norms.forEach((n) => expect(n).toBeCloseTo(1, 5));
    const initial = rows(q.keys);
    const batch = (v: number) =>
      tf.tensor2d([
        [v, 0],
        [0, v],
      ]);
    for (const [v, ptr] of [
      [1, 2],
      [2, 4],
      [3, 0],
      [4, 2],
    ]) {
      const b = batch(v);
      q.enqueue(b);
      b.dispose();
      expect(q.pointer).toBe(ptr);
      if (v === 1) expect(rows(q.keys).slice(2)).toEqual(initial.slice(2)); // the rest untouched
    }
    // after 4 batches of 2 in a queue of 6: rows 0–1 hold the newest batch (4), 2–5 batches 2 and 3
    expect(rows(q.keys)).toEqual([
      [4, 0],
      [0, 4],
      [2, 0],
      [0, 2],
      [3, 0],
      [0, 3],
    ]);
    const b = batch(5);
    expectNoLeak(() => q.enqueue(b));
    expect(() => q.enqueue(tf.zeros([4, 2]) as tf.Tensor2D)).toThrow(/does not divide/);
    b.dispose();
    q.dispose();
  });
});

describe('cross-view positives', () => {
  beforeAll(() => initTestBackend());

  it('the mixed sample of x¹[n] and x²[σ(n)] is scored against k²[n] (λ) and k¹[σ(n)] (1 − λ)', () => {
    // keys are one-hot per instance and view, so a similarity names the key it came from
    const n = 3;
    const k1 = tf.tensor2d([
      [1, 0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
    ]);
    const k2 = tf.tensor2d([
      [0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 1],
    ]);
    const perm = Int32Array.from([2, 0, 1]);
    const z = tf.tensor2d([
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
      [1.1, 1.2, 1.3, 1.4, 1.5, 1.6],
      [2.1, 2.2, 2.3, 2.4, 2.5, 2.6],
    ]);
    const queue = tf.eye(6) as tf.Tensor2D;
    const { sA, sB, sNeg } = crossViewSims(z, k1, k2, perm, queue);
    const zz = rows(z);
    expect(Array.from(sA.dataSync())).toEqual(Array.from({ length: n }, (_, i) => Math.fround(zz[i][3 + i])));
    expect(Array.from(sB.dataSync())).toEqual(
      Array.from({ length: n }, (_, i) => Math.fround(zz[i][perm[i]])),
    );
    expect(rows(sNeg)).toEqual(rows(z));
    tf.dispose([k1, k2, z, queue, sA, sB, sNeg]);
  });

  it('the image mix takes view 1 of n and view 2 of σ(n)', () => {
    const a = tf.tensor4d([1, 2, 3], [3, 1, 1, 1]);
    const b = tf.tensor4d([10, 20, 30], [3, 1, 1, 1]);
    const m = tf.fill([3, 1, 1, 1], 0.25) as tf.Tensor4D;
    const x = crossViewMix(a, b, Int32Array.from([1, 2, 0]), m);
    const want = [0.75 * 1 + 0.25 * 20, 0.75 * 2 + 0.25 * 30, 0.75 * 3 + 0.25 * 10];
    Array.from(x.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    tf.dispose([a, b, m, x]);
  });

  it('the SSL local/global hand case through the step path (s_a = 1, s_b = 0, one negative −1, λ = 0.6)', () => {
    const z = tf.tensor2d([[1, 0]]);
    const k2 = tf.tensor2d([[1, 0]]); // s_a = z·k²[0] = 1
    const k1 = tf.tensor2d([[0, 1]]); // s_b = z·k¹[σ(0)] = 0
    const queue = tf.tensor2d([[-1, 0]]); // one negative, −1
    const perm = Int32Array.from([0]);
    const { sA, sB, sNeg } = crossViewSims(z, k1, k2, perm, queue);
    const t1 = sslEtaLoss(sA, sB, sNeg, 0.6, 1, 0.5);
    expect(t1.global.dataSync()[0]).toBeCloseTo(0.201461, 5);
    expect(t1.local.dataSync()[0]).toBeCloseTo(0.713262, 5);
    expect(t1.total.dataSync()[0]).toBeCloseTo(0.813992, 5);
    const t2 = sslEtaLoss(sA, sB, sNeg, 0.6, 0.2, 0.5);
    expect(t2.global.dataSync()[0]).toBeCloseTo(0.002713, 5);
    expect(t2.local.dataSync()[0]).toBeCloseTo(2.006715, 5);
    // the backbone's mixed loss is the global (InfoNCE) form with weights λ, 1 − λ
    expect(mixedContrastive(z, k1, k2, perm, queue, 0.6, 1).dataSync()[0]).toBeCloseTo(0.201461, 5);
    expect(mixedContrastive(z, k1, k2, perm, queue, 1, 1).dataSync()[0]).toBeCloseTo(
      Math.log(1 + Math.exp(-2)),
      5,
    );
    expectNoLeak(() => mixedContrastive(z, k1, k2, perm, queue, 0.6, 0.2));
    disposeAll([z, k2, k1, queue, sA, sB, sNeg, t1, t2]);
  });
});

describe('kNN monitor', () => {
  beforeAll(() => initTestBackend());

  // bank: class 0 around +x, class 1 around +y, one class-1 outlier near +x
  const unit = (a: number) => [Math.cos(a), Math.sin(a)];
  const bankRows = [unit(0), unit(0.1), unit(-0.1), unit(Math.PI / 2), unit(1.5), unit(1.6), unit(0.05)];
  const bankLabels = [0, 0, 0, 1, 1, 1, 1];

  it('votes by the k nearest neighbours weighted by exp(s/τ)', () => {
    const bank = tf.tensor2d(bankRows);
    const labels = tf.tensor1d(bankLabels, 'int32');
    const feats = tf.tensor2d([unit(0.06), unit(1.4), unit(0.7), unit(0.9)]);
    // k = 1: the outlier (class 1) is the nearest neighbour of the first query
    expect(
      Array.from(knnPredict(bank, labels, feats, { k: 1, temperature: 0.1, classes: 2 }).dataSync()),
    ).toEqual([1, 1, 0, 1]);
    // k = 3: two class-0 neighbours outvote the outlier
    expect(
      Array.from(knnPredict(bank, labels, feats, { k: 3, temperature: 0.1, classes: 2 }).dataSync()),
    ).toEqual([0, 1, 0, 1]);
    // k larger than the bank is clipped; correct count against the truth
    const truth = tf.tensor1d([0, 1, 0, 1], 'int32');
    expect(
      knnCorrect(bank, labels, feats, truth, { k: 50, temperature: 0.1, classes: 2 }).dataSync()[0],
    ).toBe(4);
    const wrong = tf.tensor1d([1, 0, 0, 1], 'int32');
    expect(
      knnCorrect(bank, labels, feats, wrong, { k: 50, temperature: 0.1, classes: 2 }).dataSync()[0],
    ).toBe(2);
    wrong.dispose();
    expectNoLeak(() => knnPredict(bank, labels, feats, { k: 3, temperature: 0.1, classes: 2 }));
    tf.dispose([bank, labels, feats, truth]);
  });

  it('the linear probe separates linearly separable features and leaks nothing', async () => {
    const rng = new Rng(3);
    const m = 400;
    const y = Int32Array.from({ length: m }, (_, i) => i % 3);
    const f = Float32Array.from(
      { length: m * 4 },
      (_, j) => (j % 4 === y[Math.floor(j / 4)] ? 2 : 0) + rng.normal() * 0.3,
    );
    const feats = tf.tensor2d(f, [m, 4]);
    const labels = tf.tensor1d(y, 'int32');
    const before = tf.memory().numTensors;
    const acc = await linearProbe(feats, labels, feats, labels, new Rng(1), { epochs: 5, classes: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(acc).toBeGreaterThan(0.95);
    tf.dispose([feats, labels]);
  });
});

describe('SSL configuration', () => {
  const ssl = { scenario: 'ssl' };

  it('accepts the SSL defaults and the SSL methods', () => {
    for (const method of ['erm', 'mixup', 'cutmix', 'samix']) {
      expect(validateConfig({ ...ssl, method }).issues).toEqual([]);
    }
    expect(DEFAULT_CONFIG.scenario).toBe('sl');
    expect(
      validateConfig({ scenario: 'ssl', queueSize: '4096', sslTemperature: '0.2' }).config.queueSize,
    ).toBe(4096);
  });

  it('fills unset fields with the SSL defaults of docs/ssl.md; explicit values win', () => {
    const { config } = validateConfig({ scenario: 'ssl' });
    expect([config.lr, config.emaBase, config.emaEnd]).toEqual([0.06, 0.99, 0.99]);
    expect(config.mixerOptimizer).toBe('sgd'); // Adam kept SSL masks near-constant (docs/ssl.md)
    expect(validateConfig({ scenario: 'ssl', lr: 0.1, emaEnd: 0.999 }).config).toMatchObject({
      lr: 0.1,
      emaEnd: 0.999,
    });
    expect(validateConfig({}).config.lr).toBe(DEFAULT_CONFIG.lr); // supervised keeps its own
  });

  it('rejects a queue that is not a multiple of the batch, naming the nearest valid sizes', () => {
    const { issues } = validateConfig({ ...ssl, queueSize: 1000, batch: 64 });
    expect(issues).toEqual([
      { field: 'queueSize', message: 'queueSize 1000 must be a multiple of batch 64: use 960 or 1024' },
    ]);
    expect(validateConfig({ ...ssl, queueSize: 40, batch: 64 }).issues[0].message).toBe(
      'queueSize 40 must be a multiple of batch 64: use 64',
    );
    // the supervised scenario has no queue: no cross-field rule
    expect(validateConfig({ queueSize: 1000, batch: 64 }).issues).toEqual([]);
  });

  it('rejects methods the SSL scenario does not train, and unknown scenarios', () => {
    const { issues } = validateConfig({ ...ssl, method: 'puzzlemix' });
    expect(issues[0].field).toBe('method');
    expect(issues[0].message).toContain('method puzzlemix is not available with scenario ssl');
    expect(issues[0].message).toContain('erm, mixup, cutmix, samix');
    expect(validateConfig({ scenario: 'semi' }).issues[0].message).toBe(
      'scenario must be one of sl, ssl; got "semi"',
    );
  });
});
