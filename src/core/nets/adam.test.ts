import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../../testing/tf';
import { maskLoss } from '../mask';
import { Rng } from '../../lib/random';
import { Adam, ADAM_DEFAULTS } from './adam';
import { buildMixer, mixerForward } from './mixer';
import { trainableVariables } from './params';
import { Sgd } from './sgd';

const OPTS = { ...ADAM_DEFAULTS, weightDecay: 0 };

describe('Adam (Mixer optimiser)', () => {
  beforeAll(() => initTestBackend());

  it('follows tf.train.adam step for step on a quadratic', () => {
    const init = [0.5, -1.5, 2, 0.25];
    const a = tf.variable(tf.tensor1d(init), true, 'adam_a');
    const b = tf.variable(tf.tensor1d(init), true, 'adam_b');
    const ours = new Adam([a], OPTS);
    const ref = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
    const target = tf.tensor1d([1, 2, -3, 0]);
    const loss = (v: tf.Variable) => () => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar;
    for (let i = 0; i < 20; i++) {
      const { grads } = tf.variableGrads(loss(a), [a]);
      ours.step(grads, 0.05);
      tf.dispose(grads);
      ref.minimize(loss(b), false, [b]);
    }
    const got = Array.from(a.dataSync());
    const want = Array.from(b.dataSync());
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 4));
    expect(got).not.toEqual(init);
    ours.dispose();
    ref.dispose();
    tf.dispose([a, b, target]);
  });

  it('adds coupled weight decay, restores its slot exactly, and leaks nothing', () => {
    const v = tf.variable(tf.tensor1d([1, -2]), true, 'adam_wd');
    const opt = new Adam([v], { ...OPTS, weightDecay: 0.5 });
    opt.step({}, 0.1); // zero gradient: only the decay d = 0.5·θ acts; first Adam step moves lr·sign(d)
    expect(Array.from(v.dataSync()).map((x) => +x.toFixed(5))).toEqual([0.9, -1.9]);
    const slot = opt.getSlot();
    expect(slot.size).toBe(opt.slotSize);
    const before = Array.from(v.dataSync());
    opt.step({ adam_wd: tf.tensor1d([0.3, 0.1]) }, 0.1);
    const after = Array.from(v.dataSync());
    v.assign(tf.tensor1d(before));
    opt.setSlot(slot);
    opt.step({ adam_wd: tf.tensor1d([0.3, 0.1]) }, 0.1);
    expect(Array.from(v.dataSync())).toEqual(after);
    slot.dispose();
    const g = { adam_wd: tf.tensor1d([0.2, 0.2]) };
    expectNoLeak(() => opt.step(g, 0.1));
    tf.dispose(g);
    opt.dispose();
    v.dispose();
  });

  it('lets the SAMix Mixer learn to follow λ from the mask loss alone, where SGD stays at the init saddle', () => {
    const track = (kind: 'adam' | 'sgd'): number => {
      const rng = new Rng(3);
      const C = 16;
      const p = buildMixer(rng, 'samix', C);
      const vars = trainableVariables(p as never) as tf.Variable[];
      const opt = kind === 'adam' ? new Adam(vars, OPTS) : new Sgd(vars, { momentum: 0.9, weightDecay: 0 });
      const zs = tf.tensor4d(rng.normalArray(64 * 4 * 4 * C, 1).map(Math.abs), [64, 4, 4, C]);
      let inBand = 0;
      const STEPS = 600;
      for (let s = 0; s < STEPS; s++) {
        const lam = rng.beta(2, 2);
        const idx = tf.tensor1d(rng.permutation(64).slice(0, 16), 'int32');
        const perm = rng.permutation(16);
        const z = tf.gather(zs, idx) as tf.Tensor4D;
        let mean = 0;
        const { grads } = tf.variableGrads(() => {
          const { m } = mixerForward(p, { z, perm }, lam, { outSize: [8, 8], lamMulK: 0.25, training: true });
          mean = 1 - tf.mean(m).dataSync()[0];
          return tf.mul(maskLoss(m, lam, { mode: 'l1+var', margin: 0.1 }), 0.1) as tf.Scalar;
        }, vars);
        opt.step(grads, kind === 'adam' ? 1e-3 : 0.1);
        tf.dispose([grads, z, idx]);
        if (s >= STEPS - 100 && Math.abs(mean - lam) <= 0.1 + 1e-6) inBand += 1;
      }
      opt.dispose();
      zs.dispose();
      for (const v of vars) v.dispose();
      return inBand / 100;
    };
    const adam = track('adam');
    const sgd = track('sgd');
    expect(adam).toBeGreaterThan(0.8);
    expect(sgd).toBeLessThan(0.6);
  });
});
