import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { pickBlockCount, puzzlemixMask, saliencyBlockMask } from './puzzlemix';

beforeAll(() => initTestBackend());

/** A [1, h, w, 1] saliency map that is `hot` inside the given pixel rectangles and 0.1 elsewhere. */
function saliency(h: number, w: number, hot: Array<[number, number, number, number, number]>): number[] {
  const s = new Array(h * w).fill(0.1);
  for (const [y1, y2, x1, x2, v] of hot)
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) s[y * w + x] = v;
  return s;
}

describe('PuzzleMix (simplified) (docs/method.md)', () => {
  it('b = 2^U{1..4}, halved until it fits the image', () => {
    const rng = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(pickBlockCount(rng, 32, 32));
    expect([...seen].sort((a, b) => a - b)).toEqual([2, 4, 8, 16]);
    for (let i = 0; i < 50; i++) expect(pickBlockCount(rng, 6, 9)).toBeLessThanOrEqual(4);
  });

  it('takes the k = round((1 − λ)·b²) most salient blocks of x[σ] (8×8, b = 4, λ = 0.75)', () => {
    // blocks are 2×2; hot blocks (row, col): (0, 3) 5, (2, 1) 4, (3, 3) 3, (1, 0) 2; next (2, 2) 1.5
    const s = saliency(8, 8, [
      [0, 2, 6, 8, 5],
      [4, 6, 2, 4, 4],
      [6, 8, 6, 8, 3],
      [2, 4, 0, 2, 2],
      [4, 6, 4, 6, 1.5],
    ]);
    const sal = tf.tensor4d(s, [1, 8, 8, 1]);
    const { m, lam } = saliencyBlockMask(sal, 4, 0.75);
    const mv = (m.arraySync() as number[][][][])[0];
    const hot = new Set(['0,3', '2,1', '3,3', '1,0']);
    mv.forEach((row, y) => row.forEach((v, x) => expect(v[0]).toBe(hot.has(`${y >> 1},${x >> 1}`) ? 1 : 0)));
    expect(lam.shape).toEqual([1]);
    expect(lam.dataSync()[0]).toBe(0.75);
    tf.dispose([sal, m, lam]);
  });

  it('ranks blocks by mean saliency and uses exact pixel shares for uneven blocks (6×6, b = 4)', () => {
    // row/column blocks of 6 px into 4: ⌊p·4/6⌋ = [0, 0, 1, 2, 2, 3] → sizes 2, 1, 2, 1
    // A 1×1 block (row 1, col 1) = pixel (2, 2) with 3 beats the 2×2 block (0, 0) with sum 8 (mean 2).
    const s = saliency(6, 6, [
      [2, 3, 2, 3, 3],
      [0, 2, 0, 2, 2],
    ]);
    const sal = tf.tensor4d(s, [1, 6, 6, 1]);
    const { m, lam } = saliencyBlockMask(sal, 4, 1 - 1 / 16); // k = 1
    const mv = Array.from(m.dataSync());
    expect(mv.reduce((a, v) => a + v, 0)).toBe(1);
    expect(mv[2 * 6 + 2]).toBe(1);
    expect(Math.abs(lam.dataSync()[0] - (1 - 1 / 36))).toBeLessThan(1e-7);
    const two = saliencyBlockMask(sal, 4, 1 - 2 / 16); // k = 2: + the 2×2 block (0, 0)
    const tv = Array.from(two.m.dataSync());
    expect([0, 1, 6, 7, 14].map((i) => tv[i])).toEqual([1, 1, 1, 1, 1]);
    expect(Math.abs(two.lam.dataSync()[0] - (1 - 5 / 36))).toBeLessThan(1e-7);
    tf.dispose([sal, m, lam, two.m, two.lam]);
  });

  it('λ ≈ 1 or 0 gives an empty or a full mask', () => {
    const sal = tf.ones([2, 4, 4, 1]) as tf.Tensor4D;
    const a = saliencyBlockMask(sal, 2, 0.95);
    expect(Array.from(a.m.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(a.lam.dataSync())).toEqual([1, 1]);
    const b = saliencyBlockMask(sal, 2, 0.02);
    expect(Array.from(b.m.dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(b.lam.dataSync())).toEqual([0, 0]);
    tf.dispose([sal, a.m, a.lam, b.m, b.lam]);
  });

  it('makeMask uses the saliency of x[σ(n)] for row n and returns per-sample λ_n as a [N] tensor', () => {
    const x = tf.zeros([2, 8, 8, 1]) as tf.Tensor4D;
    // sample 0 is hot at the top-left quadrant, sample 1 at the bottom-right
    const sal = tf.tensor4d(
      [...saliency(8, 8, [[0, 4, 0, 4, 9]]), ...saliency(8, 8, [[4, 8, 4, 8, 9]])],
      [2, 8, 8, 1],
    );
    const perm = new Int32Array([1, 0]);
    let calls = 0;
    const inputSaliency = (): tf.Tensor4D => {
      calls++;
      return sal;
    };
    const r = puzzlemixMask({ x, perm, lam: 0.75, rng: new Rng(1), inputSaliency });
    expect(calls).toBe(1);
    const mv = r.m.arraySync() as number[][][][];
    expect(mv[0][6][6][0]).toBe(1); // row 0 takes x[1]'s hot bottom-right
    expect(mv[0][1][1][0]).toBe(0);
    expect(mv[1][1][1][0]).toBe(1); // row 1 takes x[0]'s hot top-left
    expect(mv[1][6][6][0]).toBe(0);
    const lam = r.lam as tf.Tensor;
    expect(lam.shape).toEqual([2]);
    Array.from(lam.dataSync()).forEach((v) => expect(v).toBe(0.75));
    expect(sal.isDisposed).toBe(false); // a pre-existing saliency tensor is not disposed
    tf.dispose([r.m, lam]);
    expectNoLeak(() => puzzlemixMask({ x, perm, lam: 0.6, rng: new Rng(2), inputSaliency: () => sal }));
    tf.dispose([x, sal]);
  });

  it('requires ctx.inputSaliency', () => {
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    expect(() => puzzlemixMask({ x, perm: new Int32Array([0]), lam: 0.5, rng: new Rng(1) })).toThrow(
      /inputSaliency/,
    );
    x.dispose();
  });
});
