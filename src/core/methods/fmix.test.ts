import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { binariseTop, fmixKeepMask, fmixMask, lowFreqImage } from './fmix';

beforeAll(() => initTestBackend());

/** Fraction of horizontally/vertically adjacent pixel pairs with equal values. */
function smoothness(v: ArrayLike<number>, h: number, w: number): number {
  let same = 0;
  let pairs = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const neighbours = [x + 1 < w ? y * w + x + 1 : -1, y + 1 < h ? (y + 1) * w + x : -1];
      for (const j of neighbours) {
        if (j < 0) continue;
        pairs++;
        if (v[y * w + x] === v[j]) same++;
      }
    }
  }
  return same / pairs;
}

describe('FMix (docs/method.md)', () => {
  it('the mask is binary with mean ⌈λHW⌉/HW or ⌊λHW⌋/HW, and both roundings occur', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 16; s++) {
      const { keep, lam } = fmixKeepMask(32, 32, 0.3, new Rng(s)); // λHW = 307.2
      const count = keep.reduce((a, v) => a + v, 0);
      expect(keep.every((v) => v === 0 || v === 1)).toBe(true);
      expect([307, 308]).toContain(count);
      expect(lam).toBe(count / 1024);
      seen.add(count);
    }
    expect(seen.size).toBe(2);
  });

  it('m = 1 − keep, the same for the whole batch; λ is the share of x', () => {
    const x = tf.zeros([3, 16, 16, 2]) as tf.Tensor4D;
    const r = fmixMask({ x, perm: new Int32Array([2, 0, 1]), lam: 0.55, rng: new Rng(7) });
    const { keep, lam } = fmixKeepMask(16, 16, 0.55, new Rng(7));
    expect(r.lam).toBe(lam);
    const m = Array.from(r.m.dataSync());
    for (let n = 0; n < 3; n++)
      expect(m.slice(n * 256, (n + 1) * 256)).toEqual(Array.from(keep, (k) => 1 - k));
    tf.dispose([x, r.m]);
  });

  it('is low-frequency: neighbouring pixels agree far more often than in white noise', () => {
    for (let s = 0; s < 5; s++) {
      const { keep } = fmixKeepMask(32, 32, 0.5, new Rng(100 + s));
      expect(smoothness(keep, 32, 32)).toBeGreaterThan(0.85);
    }
    const rng = new Rng(1);
    const noise = binariseTop(
      Array.from({ length: 1024 }, () => rng.uniform()),
      512,
    );
    expect(smoothness(noise, 32, 32)).toBeLessThan(0.6);
  });

  it('lowFreqImage spans [0, 1] exactly; binariseTop keeps the largest values (ties by index)', () => {
    const img = lowFreqImage(8, 8, new Rng(2));
    expect(Math.min(...img)).toBe(0);
    expect(Math.max(...img)).toBe(1);
    expect(Array.from(binariseTop([0.2, 0.9, 0.5, 0.9, 0.1], 2))).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(binariseTop([0.3, 0.3, 0.3], 1))).toEqual([1, 0, 0]);
    expect(Array.from(binariseTop([0.3, 0.7], 0))).toEqual([0, 0]);
  });
});
