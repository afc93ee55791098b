import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { momentumAt } from '../schedule';
import { emaCopy, emaPairs, emaUpdate } from './ema';
import { bnParams, cloneParams, constantVariable, disposeParams } from './params';
import { buildResNet } from './resnet';

describe('EMA of the momentum encoder (docs/method.md)', () => {
  beforeAll(() => initTestBackend());

  it('θ_k = 1, θ_q = 0, m = 0.9 gives 0.9; m = 1 keeps θ_k; m = 0 copies θ_q', () => {
    const k = { w: constantVariable([2, 3], 1, false), b: constantVariable([4], 1, false) };
    const q = { w: constantVariable([2, 3], 0), b: constantVariable([4], 0) };
    const pairs = emaPairs(k, q);
    emaUpdate(pairs, 0.9);
    for (const v of [k.w, k.b]) for (const x of v.dataSync()) expect(x).toBeCloseTo(0.9, 6);
    emaUpdate(pairs, 1);
    for (const x of k.w.dataSync()) expect(x).toBeCloseTo(0.9, 6);
    emaUpdate(pairs, 0);
    for (const x of k.w.dataSync()) expect(x).toBe(0);
    disposeParams([k, q]);
    expect(momentumAt(100, 1000, { base: 0.999, end: 0.999999, warmupFrac: 0.1 })).toBeCloseTo(0.9990244, 7);
  });

  it('averages trainable parameters only (BN moving statistics are left to k itself)', () => {
    const q = { bn: bnParams(3), w: constantVariable([3], 2) };
    const k = cloneParams(q, false);
    const pairs = emaPairs(k, q);
    expect(pairs.length).toBe(3); // γ, β, w
    tf.tidy(() => {
      q.bn.movingMean.assign(tf.fill([3], 5));
      q.w.assign(tf.fill([3], 4));
    });
    emaUpdate(pairs, 0.5);
    expect(Array.from(k.bn.movingMean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(k.w.dataSync())).toEqual([3, 3, 3]);
    emaCopy(pairs);
    expect(Array.from(k.w.dataSync())).toEqual([4, 4, 4]);
    disposeParams([q, k]);
  });

  it('updates a whole ResNet in place without leaking', () => {
    const q = buildResNet(new Rng(1), 1, 4);
    const k = cloneParams(buildResNet(new Rng(2), 1, 4), false);
    const pairs = emaPairs(k, q);
    emaUpdate(pairs, 0.99);
    const before = tf.memory().numTensors;
    const kOld = pairs.map((p) => p.target.dataSync().slice());
    emaUpdate(pairs, 0.99);
    expect(tf.memory().numTensors).toBe(before);
    pairs.forEach((p, i) => {
      const got = p.target.dataSync();
      const on = p.online.dataSync();
      for (let j = 0; j < got.length; j += 7) expect(got[j]).toBeCloseTo(0.99 * kOld[i][j] + 0.01 * on[j], 5);
    });
    disposeParams([q, k]);
  });
});
