import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { pasteResized, resizemixBox, resizemixMask } from './resizemix';

beforeAll(() => initTestBackend());

function batch(n: number, h: number, w: number, c: number): tf.Tensor4D {
  const rng = new Rng(17);
  return tf.tensor4d(rng.normalArray(n * h * w * c, 1), [n, h, w, c]);
}

describe('ResizeMix (docs/method.md)', () => {
  it('τ = 0.5 on 32×32 gives a 16×16 box and λ = 0.75', () => {
    const r = resizemixBox(32, 32, 0.5, 16, 16);
    expect(r.box).toEqual({ y1: 8, y2: 24, x1: 8, x2: 24 });
    expect(r.lam).toBe(0.75);
  });

  it('the pasted region is x[σ] down-sized by nearest neighbour; the rest is x', () => {
    const x = batch(2, 32, 32, 2);
    const perm = new Int32Array([1, 0]);
    const box = { y1: 8, y2: 24, x1: 8, x2: 24 };
    const out = pasteResized(x, perm, box);
    const xv = x.arraySync();
    const ov = out.arraySync();
    for (let n = 0; n < 2; n++) {
      for (let y = 0; y < 32; y++) {
        for (let c = 0; c < 32; c++) {
          const inside = y >= 8 && y < 24 && c >= 8 && c < 24;
          // nearest 32 → 16: source pixel 2·(dst − corner)
          const want = inside ? xv[perm[n]][2 * (y - 8)][2 * (c - 8)] : xv[n][y][c];
          expect(ov[n][y][c]).toEqual(want);
        }
      }
    }
    tf.dispose([x, out]);
  });

  it('makeMask: box from m, λ from its area, mixed = x with the resized x[σ] in the box', () => {
    const x = batch(2, 16, 16, 1);
    const perm = new Int32Array([1, 0]);
    const r = resizemixMask({ x, perm, lam: 0.5, rng: new Rng(4) });
    const m = (r.m.arraySync() as number[][][][])[0];
    const rows = m.map((row) => row.some((v) => v[0] === 1));
    const cols = m[rows.indexOf(true)].map((v) => v[0] === 1);
    const y1 = rows.indexOf(true);
    const x1 = cols.indexOf(true);
    const bh = rows.filter(Boolean).length;
    const bw = cols.filter(Boolean).length;
    expect(r.lam).toBe(1 - (bh * bw) / 256);
    expect(bh).toBeLessThanOrEqual(8);
    const direct = pasteResized(x, perm, { y1, y2: y1 + bh, x1, x2: x1 + bw });
    expect(Array.from(r.mixed!.dataSync())).toEqual(Array.from(direct.dataSync()));
    tf.dispose([x, r.m, r.mixed!, direct]);
  });

  it('redraws τ uniformly in [0.1, 0.8] when λ falls outside', () => {
    const x = batch(1, 20, 20, 1);
    for (let s = 0; s < 20; s++) {
      const r = resizemixMask({ x, perm: new Int32Array([0]), lam: 0.97, rng: new Rng(s) });
      // side ≤ int(20·0.8) = 16 → area ≤ 256; side ≥ int(20·0.1) = 2 minus clipping → ≥ 1 pixel
      expect(r.lam as number).toBeGreaterThanOrEqual(1 - 256 / 400);
      expect(r.lam as number).toBeLessThan(1);
      tf.dispose([r.m, r.mixed!]);
    }
    x.dispose();
  });

  it('an empty box leaves x unchanged with λ = 1', () => {
    const x = batch(2, 4, 4, 1);
    const r = resizemixMask({ x, perm: new Int32Array([1, 0]), lam: 0.1, rng: new Rng(1) }); // int(4·0.1) = 0
    expect(r.lam).toBe(1);
    expect(Array.from(r.mixed!.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from(r.m.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([x, r.m, r.mixed!]);
  });
});
