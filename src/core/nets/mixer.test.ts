import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { lamRescale } from '../schedule';
import { applyBnUpdates, type BnUpdate } from './batchNorm';
import {
  buildMixer,
  lamEncode,
  maskChannels,
  mixerForward,
  type MixerOptions,
  type SamixMixerParams,
} from './mixer';
import { samixMixerPasses } from './mixerOp';
import { overrideEngine } from './engine';
import { disposeParams } from './params';

const N = 4;
const C = 8;
const OPTS: MixerOptions = { outSize: [16, 16], lamMulK: 0.25, training: true };
const PERM = new Int32Array([2, 0, 3, 1]);

function features(seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(rng.normalArray(N * 4 * 4 * C, 1), [N, 4, 4, C]);
}

describe('Mixer', () => {
  beforeAll(() => initTestBackend());

  it('gives m of shape [N,H,W,1] strictly inside (0,1) whose two channels sum to 1 (item 1)', () => {
    for (const kind of ['samix', 'automix'] as const) {
      const p = buildMixer(new Rng(1), kind, C);
      tf.tidy(() => {
        const { m } = mixerForward(p, { z: features(2), perm: PERM }, 0.3, OPTS);
        expect(m.shape).toEqual([N, 16, 16, 1]);
        expect(tf.min(m).arraySync()).toBeGreaterThan(0);
        expect(tf.max(m).arraySync()).toBeLessThan(1);
        const mask = maskChannels(m);
        expect(mask.shape).toEqual([N, 16, 16, 2]);
        const err = tf.max(tf.abs(tf.sub(tf.sum(mask, 3), 1))).arraySync() as number;
        expect(err).toBeLessThanOrEqual(1e-6);
      });
      disposeParams(p);
    }
  });

  it('has attention P of shape [N,hw,hw] with rows summing to 1 (item 2)', () => {
    const p = buildMixer(new Rng(1), 'samix', C);
    tf.tidy(() => {
      // Large weights make the attention far from uniform.
      const q = p as SamixMixerParams;
      q.query.w.assign(tf.mul(q.query.w, 300));
      const { attention } = mixerForward(p, { z: features(3), perm: PERM }, 0.6, OPTS);
      expect(attention.shape).toEqual([N, 16, 16]);
      const rows = tf.sum(attention, 2);
      expect(tf.max(tf.abs(tf.sub(rows, 1))).arraySync()).toBeLessThanOrEqual(1e-5);
      expect(tf.max(attention).arraySync()).toBeGreaterThan(2 / 16);
    });
    disposeParams(p);
  });

  it('with zero Q/K weights has uniform P and a constant mask sigmoid(mean_q V(q)) (items 3, 4)', () => {
    const p = buildMixer(new Rng(1), 'samix', C) as SamixMixerParams;
    tf.tidy(() => {
      for (const v of [p.query.w, p.query.b, p.key.w, p.key.b] as tf.Variable[]) v.assign(tf.zerosLike(v));
      const { m, attention, logits } = mixerForward(p, { z: features(4), perm: PERM }, 0.3, OPTS);
      expect(tf.max(tf.abs(tf.sub(attention, 1 / 16))).arraySync()).toBeLessThan(1e-6);
      // Every logit of a sample is the mean of its value scores, so the mask is spatially constant.
      const perSample = tf.mean(logits, [1, 2, 3]); // [N]
      const expected = tf.sigmoid(perSample).arraySync() as number[];
      const got = m.arraySync() as number[][][][];
      for (let n = 0; n < N; n++) {
        for (const row of got[n])
          for (const px of row) expect(Math.abs(px[0] - expected[n])).toBeLessThan(1e-6);
      }
    });
    disposeParams(p);
  });

  it('is exactly 0.5 with a zero last value conv, and ≈ 0.5 at init (item 5)', () => {
    const p = buildMixer(new Rng(5), 'samix', C) as SamixMixerParams;
    tf.tidy(() => {
      const init = mixerForward(p, { z: features(6), perm: PERM }, 0.7, OPTS).m;
      expect(Math.abs((tf.mean(init).arraySync() as number) - 0.5)).toBeLessThan(0.05);
      p.value2.assign(tf.zerosLike(p.value2));
      const { m } = mixerForward(p, { z: features(6), perm: PERM }, 0.7, OPTS);
      expect(tf.max(tf.abs(tf.sub(m, 0.5))).arraySync()).toBe(0);
    });
    disposeParams(p);
  });

  it('reads Z_b = Z[σ] with the given σ, equal to passing the explicit pair (item 6)', () => {
    for (const kind of ['samix', 'automix'] as const) {
      const p = buildMixer(new Rng(7), kind, C);
      tf.tidy(() => {
        const z = features(8);
        const a = mixerForward(p, { z, perm: PERM }, 0.4, { ...OPTS, training: false }).m;
        const zb = tf.gather(z, tf.tensor1d(PERM, 'int32')) as tf.Tensor4D;
        const b = mixerForward(p, { za: z, zb }, 0.4, { ...OPTS, training: false }).m;
        expect(tf.max(tf.abs(tf.sub(a, b))).arraySync()).toBe(0);
        const other = mixerForward(p, { z, perm: new Int32Array([1, 2, 3, 0]) }, 0.4, {
          ...OPTS,
          training: false,
        });
        expect(tf.max(tf.abs(tf.sub(a, other.m))).arraySync()).toBeGreaterThan(0);
      });
      disposeParams(p);
    }
  });

  it('encodes λ as Z_a = Z·(1+λ̂), Z_b = Z[σ]·(2−λ̂) (item 8)', () => {
    tf.tidy(() => {
      const z = features(9);
      const zb = tf.gather(z, tf.tensor1d(PERM, 'int32')) as tf.Tensor4D;
      const lamHat = lamRescale(0.25, 0.25);
      expect(lamHat).toBeCloseTo(0.3571, 4);
      const [za, zbEnc] = lamEncode(z, zb, 0.25, 0.25);
      expect(tf.max(tf.abs(tf.sub(za, tf.mul(z, 1 + lamHat)))).arraySync()).toBeLessThan(1e-6);
      expect(tf.max(tf.abs(tf.sub(zbEnc, tf.mul(zb, 2 - lamHat)))).arraySync()).toBeLessThan(1e-6);
    });
  });

  it('upsamples bilinearly (SAMix) and by nearest neighbour (AutoMix) before the sigmoid (item 4)', () => {
    for (const kind of ['samix', 'automix'] as const) {
      const p = buildMixer(new Rng(11), kind, C);
      tf.tidy(() => {
        const { m, logits } = mixerForward(p, { z: features(12), perm: PERM }, 0.5, OPTS);
        const up =
          kind === 'samix'
            ? tf.image.resizeBilinear(logits, [16, 16], false, true)
            : tf.image.resizeNearestNeighbor(logits, [16, 16], false, false);
        expect(tf.max(tf.abs(tf.sub(m, tf.sigmoid(up)))).arraySync()).toBe(0);
      });
      disposeParams(p);
    }
  });

  it('records and applies value-net BN statistics; gradients reach every Mixer weight', () => {
    const p = buildMixer(new Rng(13), 'samix', C) as SamixMixerParams;
    const updates: BnUpdate[] = [];
    const z = features(14);
    const vars = [
      p.query.w,
      p.query.b,
      p.key.w,
      p.key.b,
      p.value1,
      p.valueBn.gamma,
      p.valueBn.beta,
      p.value2,
    ];
    const { value, grads } = tf.variableGrads(() => {
      const { m } = mixerForward(p, { z, perm: PERM }, 0.3, { ...OPTS, bnUpdates: updates });
      return tf.sum(tf.mul(m, tf.linspace(0, 1, m.size).reshape(m.shape))) as tf.Scalar;
    }, vars);
    expect(updates.length).toBe(1);
    for (const v of vars)
      expect(Math.abs(tf.sum(tf.abs(grads[v.name])).arraySync() as number)).toBeGreaterThan(0);
    const before = p.valueBn.movingMean.arraySync() as number[];
    applyBnUpdates(updates);
    expect(updates.length).toBe(0);
    expect(p.valueBn.movingMean.arraySync()).not.toEqual(before);
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
    z.dispose();
    disposeParams(p);
  });
});

describe('SAMix Mixer passes as one op', () => {
  beforeAll(() => initTestBackend());

  it.each([
    { name: 'reference', opt: {} },
    { name: 'mixerLocal', opt: { local: true } },
    { name: 'mixerLocal + maskFit', opt: { local: true, fit: true } },
    { name: 'mixerLocal + maskFit, gpu graph', opt: { local: true, fit: true }, graph: 'gpu' as const },
  ])(
    'equals separate layer-by-layer passes: masks, BN statistics and the φ gradient of pass 0 ($name)',
    ({ opt, graph }) => {
      const restore = overrideEngine({ graph: graph ?? 'auto' });
      try {
        const a = buildMixer(new Rng(21), 'samix', C) as SamixMixerParams;
        const b = buildMixer(new Rng(21), 'samix', C) as SamixMixerParams;
        tf.tidy(() => {
          // Non-trivial value-net BN affine and a sharper attention.
          for (const m of [a, b]) {
            m.valueBn.gamma.assign(tf.tensor1d([0.5, 1.5, -1, 2]));
            m.valueBn.beta.assign(tf.tensor1d([0.1, 0, -0.2, 0.3]));
            m.query.w.assign(tf.mul(m.query.w, 50));
            m.value2.assign(tf.mul(m.value2, 30));
          }
        });
        const z = features(22);
        const passes = [
          { perm: PERM, lam: 0.3 },
          { perm: new Int32Array([1, 3, 0, 2]), lam: 0.8 },
        ];
        const weight = tf.randomNormal([N, 16, 16, 1], 0, 1, 'float32', 23);
        const vars = (m: SamixMixerParams) => [
          m.query.w,
          m.query.b,
          m.key.w,
          m.key.b,
          m.value1,
          m.valueBn.gamma,
          m.valueBn.beta,
          m.value2,
        ];
        const recA: BnUpdate[] = [];
        const recB: BnUpdate[] = [];
        let others: tf.Tensor[] = [];
        const got = tf.variableGrads(() => {
          const ms = samixMixerPasses(a, z, passes, {
            outSize: [16, 16],
            lamMulK: 0.25,
            bnUpdates: recA as never,
            ...opt,
          });
          others = ms.slice(1).map((t) => tf.keep(t));
          return tf.sum(tf.mul(ms[0], weight)) as tf.Scalar;
        }, vars(a));
        const want = tf.variableGrads(() => {
          const ms = passes.map(
            (ps) => mixerForward(b, { z, perm: ps.perm }, ps.lam, { ...OPTS, bnUpdates: recB, ...opt }).m,
          );
          others = [...others, tf.keep(ms[1])];
          return tf.sum(tf.mul(ms[0], weight)) as tf.Scalar;
        }, vars(b));
        const diff = (p: tf.Tensor, q: tf.Tensor) => tf.max(tf.abs(tf.sub(p, q))).arraySync() as number;
        expect(diff(got.value, want.value)).toBeLessThan(1e-4);
        expect(diff(others[0], others[1])).toBeLessThan(1e-6); // pass 1 mask
        vars(a).forEach((v, i) => {
          const g = got.grads[v.name];
          const r = want.grads[vars(b)[i].name];
          // Relative error (the key bias has a zero gradient: softmax ignores a shift of every score).
          const scale = Math.max(1e-3, tf.max(tf.abs(r)).arraySync() as number);
          expect(diff(g, r) / scale, v.name).toBeLessThan(1e-3);
        });
        expect(recA.length).toBe(1);
        applyBnUpdates(recA);
        applyBnUpdates(recB);
        expect(diff(a.valueBn.movingMean, b.valueBn.movingMean)).toBeLessThan(1e-6);
        expect(diff(a.valueBn.movingVar, b.valueBn.movingVar)).toBeLessThan(1e-5);
        tf.dispose([
          got.value,
          want.value,
          ...Object.values(got.grads),
          ...Object.values(want.grads),
          ...others,
          z,
          weight,
        ]);
        disposeParams([a, b]);
      } finally {
        restore();
      }
    },
  );

  it('lets λ reach the mask only through the attention: flat features give the same mask for every λ', () => {
    // Why a Mixer whose value scores are flat within each image cannot make its mask mean follow λ
    // (docs/method.md, "Departures from OpenMixup, and why"): the value net's train-mode BN cancels
    // the (2 − λ̂) scaling of Z_b, and each mask logit is an attention-weighted average of ONE
    // image's value scores.
    const rng = new Rng(11);
    const p = buildMixer(rng, 'samix', C) as SamixMixerParams;
    const big = (v: tf.Variable) => v.assign(tf.tensor(rng.normalArray(v.size, 0.5), v.shape));
    for (const v of [p.query.w, p.key.w, p.value1, p.value2]) big(v);
    const perImage = rng.normalArray(N * C, 1);
    const flat = tf.tensor4d(
      Float32Array.from({ length: N * 16 * C }, (_, i) => perImage[Math.floor(i / (16 * C)) * C + (i % C)]),
      [N, 4, 4, C],
    );
    const varied = features(12);
    const run = (z: tf.Tensor4D, lam: number) => mixerForward(p, { z, perm: PERM }, lam, OPTS);
    const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).arraySync() as number;
    tf.tidy(() => {
      const [lo, hi] = [run(flat, 0.2), run(flat, 0.8)];
      expect(maxDiff(lo.m, hi.m)).toBeLessThan(1e-5); // one value per image: nothing to select
      const [vlo, vhi] = [run(varied, 0.2), run(varied, 0.8)];
      expect(maxDiff(vlo.attention, vhi.attention)).toBeGreaterThan(1e-2); // the attention sees λ
      const mean = (t: tf.Tensor) => tf.mean(t).arraySync() as number;
      expect(Math.abs(mean(vlo.m) - mean(vhi.m))).toBeGreaterThan(1e-2); // and moves the mean
    });
    tf.dispose([flat, varied]);
    disposeParams(p);
  });
});
