import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeAll, expectNoLeak, initTestBackend } from '../../testing/tf';
import { LEARNED_METHODS, METHOD_NAMES } from '../config';
import { Rng } from '../../lib/random';
import { getMethod, METHODS } from './registry';
import type { MaskContext, MaskResult, MixMethod } from './types';

beforeAll(() => initTestBackend());

const N = 3;
const H = 8;
const W = 8;
const C = 3;

/** A deterministic batch and context; the saliency callback builds a fresh tensor per call. */
function makeContext(seed: number, lam: number, x: tf.Tensor4D): MaskContext {
  const rng = new Rng(seed);
  return {
    x,
    perm: rng.permutation(N),
    lam,
    rng,
    inputSaliency: () => tf.tidy(() => tf.mean(tf.abs(x), 3, true) as tf.Tensor4D),
  };
}

function makeBatch(seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(rng.normalArray(N * H * W * C, 1), [N, H, W, C]);
}

/** Host values of a mask result: m, per-sample λ_n (broadcast), and the per-sample mean of m. */
function readResult(r: MaskResult): { m: number[]; lam: number[]; meanM: number[] } {
  const m = Array.from(r.m.dataSync());
  const meanM = Array.from(
    { length: N },
    (_, n) => m.slice(n * H * W, (n + 1) * H * W).reduce((s, v) => s + v, 0) / (H * W),
  );
  let lam: number[];
  if (typeof r.lam === 'number') lam = new Array(N).fill(r.lam);
  else if (r.lam instanceof Float32Array) lam = Array.from(r.lam);
  else {
    const v = Array.from(r.lam.dataSync());
    lam = v.length === 1 ? new Array(N).fill(v[0]) : v;
  }
  return { m, lam, meanM };
}

const pixelMethods = (): MixMethod[] => Object.values(METHODS).filter((m) => m.kind === 'pixel');

describe('registry', () => {
  it('registers every method name under its own name', () => {
    expect(Object.keys(METHODS).sort()).toEqual([...METHOD_NAMES].sort());
    for (const name of METHOD_NAMES) {
      expect(METHODS[name].name).toBe(name);
      expect(getMethod(name)).toBe(METHODS[name]);
      expect(METHODS[name].label.length).toBeGreaterThan(0);
      expect(METHODS[name].description.length).toBeGreaterThan(0);
    }
  });

  it('throws a helpful error for an unknown name', () => {
    expect(() => getMethod('gridmix')).toThrow(/unknown method "gridmix".*samix/);
  });

  it('has the right kinds; pixel methods and only they have makeMask', () => {
    expect(METHODS.erm.kind).toBe('none');
    expect(METHODS.manifoldmix.kind).toBe('feature');
    for (const name of LEARNED_METHODS) expect(METHODS[name].kind).toBe('learned');
    expect(
      pixelMethods()
        .map((m) => m.name)
        .sort(),
    ).toEqual(['cutmix', 'fmix', 'mixup', 'puzzlemix', 'resizemix', 'saliencymix', 'samixp'].sort());
    for (const m of Object.values(METHODS)) expect(m.makeMask !== undefined).toBe(m.kind === 'pixel');
  });

  it('labels the approximations', () => {
    expect(METHODS.saliencymix.label).toBe('SaliencyMix (approx.)');
    expect(METHODS.puzzlemix.label).toBe('PuzzleMix (simplified)');
  });
});

describe('every pixel method', () => {
  it.each(['cutmix', 'fmix', 'mixup', 'puzzlemix', 'resizemix', 'saliencymix'])(
    '%s: m is [N, H, W, 1] in [0, 1], λ_n = 1 − mean(m_n), deterministic per seed, x intact',
    (name) => {
      const method = METHODS[name as keyof typeof METHODS];
      const x = makeBatch(1);
      for (const lam of [0.3, 0.62, 0.9]) {
        const a = method.makeMask!(makeContext(42, lam, x));
        const b = method.makeMask!(makeContext(42, lam, x));
        expect(a.m.shape).toEqual([N, H, W, 1]);
        const ra = readResult(a);
        const rb = readResult(b);
        for (const v of ra.m) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        for (let n = 0; n < N; n++) {
          expect(ra.lam[n]).toBeGreaterThanOrEqual(0);
          expect(ra.lam[n]).toBeLessThanOrEqual(1);
          expect(Math.abs(ra.lam[n] - (1 - ra.meanM[n]))).toBeLessThanOrEqual(1e-6);
        }
        expect(rb).toEqual(ra);
        if (a.mixed) {
          expect(a.mixed.shape).toEqual(x.shape);
          expect(Array.from(b.mixed!.dataSync())).toEqual(Array.from(a.mixed.dataSync()));
        }
        disposeAll([a, b]);
      }
      expect(x.isDisposed).toBe(false);
      x.dispose();
    },
  );

  it.each(['cutmix', 'fmix', 'mixup', 'puzzlemix', 'resizemix', 'saliencymix'])(
    '%s: leaks no tensors',
    (name) => {
      const method = METHODS[name as keyof typeof METHODS];
      const x = makeBatch(2);
      let seed = 0;
      expectNoLeak(() => method.makeMask!(makeContext(seed++, 0.4, x)));
      x.dispose();
    },
  );

  it('different seeds give different masks for the random methods', () => {
    const x = makeBatch(3);
    for (const name of ['cutmix', 'fmix', 'resizemix'] as const) {
      const masks = [1, 2, 3, 4, 5].map((s) => {
        const r = METHODS[name].makeMask!(makeContext(s, 0.5, x));
        const v = Array.from(r.m.dataSync()).join(',');
        disposeAll(r);
        return v;
      });
      expect(new Set(masks).size).toBeGreaterThan(1);
    }
    x.dispose();
  });
});
