import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { boxArea, boxMask, centredBox, cutmixSize } from './box';
import { cutmixBox, cutmixMask } from './cutmix';

beforeAll(() => initTestBackend());

describe('CutMix box (docs/method.md)', () => {
  it('32×32, λ = 0.75, centre (16, 16): a 16×16 box and λ = 0.75', () => {
    const r = cutmixBox(32, 32, 0.75, 16, 16);
    expect(r.box).toEqual({ y1: 8, y2: 24, x1: 8, x2: 24 });
    expect(r.lam).toBe(0.75);
  });

  it('a centre at (0, 0) clips the box to 8×8: λ = 1 − 64/1024 = 0.9375', () => {
    const r = cutmixBox(32, 32, 0.75, 0, 0);
    expect(r.box).toEqual({ y1: 0, y2: 8, x1: 0, x2: 8 });
    expect(r.lam).toBe(0.9375);
  });

  it('side int(W·√(1 − λ)); odd sides lose a pixel as in OpenMixup', () => {
    expect(cutmixSize(32, 28, 0.5)).toEqual({ cutH: 22, cutW: 19 }); // 32·0.7071 = 22.6, 28·0.7071 = 19.8
    expect(centredBox(32, 28, 22, 19, 10, 10)).toEqual({ y1: 0, y2: 21, x1: 1, x2: 19 });
    expect(boxArea({ y1: 3, y2: 3, x1: 0, x2: 5 })).toBe(0);
    expect(cutmixSize(8, 8, 1)).toEqual({ cutH: 0, cutW: 0 });
  });

  it('boxMask marks exactly the half-open box for every sample', () => {
    const m = boxMask(2, 4, 5, { y1: 1, y2: 3, x1: 2, x2: 5 });
    expect(m.shape).toEqual([2, 4, 5, 1]);
    const v = Array.from(m.dataSync());
    for (let n = 0; n < 2; n++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 5; x++) expect(v[n * 20 + y * 5 + x]).toBe(y >= 1 && y < 3 && x >= 2 ? 1 : 0);
    m.dispose();
  });
});

describe('cutmixMask', () => {
  it('draws the centre (column, then row) from the generator and returns the recomputed λ', () => {
    const x = tf.zeros([2, 32, 32, 1]) as tf.Tensor4D;
    const rng = new Rng(9);
    const probe = new Rng(9);
    const cx = probe.int(32);
    const cy = probe.int(32);
    const expected = cutmixBox(32, 32, 0.75, cy, cx);
    const r = cutmixMask({ x, perm: new Int32Array([1, 0]), lam: 0.75, rng });
    expect(r.lam).toBe(expected.lam);
    const got = Array.from(r.m.dataSync());
    const want = Array.from(boxMask(2, 32, 32, expected.box).dataSync());
    expect(got).toEqual(want);
    expect(rng.getState()).toEqual(probe.getState()); // exactly two draws
    tf.dispose([x, r.m]);
  });
});
