import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { centredBox, cutmixSize } from './box';
import { gradientSaliency, saliencyBoxMask, saliencymixMask } from './saliencymix';

beforeAll(() => initTestBackend());

/** Host reference: Sobel magnitude of the [1 2 1]⊗[1 2 1]/16-blurred luminance, edges replicated. */
function hostSaliency(img: number[][][]): number[][] {
  const h = img.length;
  const w = img[0].length;
  const c = img[0][0].length;
  const luma = [0.299, 0.587, 0.114];
  const lum = img.map((row) =>
    row.map((px) =>
      c === 3 ? px.reduce((s, v, k) => s + v * luma[k], 0) : px.reduce((s, v) => s + v, 0) / c,
    ),
  );
  const conv = (a: number[][], k: number[]): number[][] =>
    a.map((row, y) =>
      row.map((_, x) => {
        let s = 0;
        for (let i = -1; i <= 1; i++)
          for (let j = -1; j <= 1; j++)
            s +=
              k[(i + 1) * 3 + j + 1] *
              a[Math.min(Math.max(y + i, 0), h - 1)][Math.min(Math.max(x + j, 0), w - 1)];
        return s;
      }),
    );
  const blurred = conv(
    lum,
    [1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16),
  );
  const gx = conv(blurred, [-1, 0, 1, -2, 0, 2, -1, 0, 1]);
  const gy = conv(blurred, [-1, -2, -1, 0, 0, 0, 1, 2, 1]);
  return gx.map((row, y) => row.map((v, x) => Math.hypot(v, gy[y][x])));
}

function argmax2d(a: number[][]): [number, number] {
  let best = -Infinity;
  let at: [number, number] = [0, 0];
  a.forEach((row, y) =>
    row.forEach((v, x) => {
      if (v > best) {
        best = v;
        at = [y, x];
      }
    }),
  );
  return at;
}

function randomImages(n: number, h: number, w: number, c: number, seed: number): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normalArray(n * h * w * c, 1), [n, h, w, c]);
}

describe('SaliencyMix (approx.) (docs/method.md)', () => {
  it('gradientSaliency matches the host reference (RGB and grey)', () => {
    for (const c of [3, 1]) {
      const img = randomImages(1, 8, 7, c, 10 + c);
      const got = gradientSaliency(img);
      const want = hostSaliency((img.arraySync() as number[][][][])[0]);
      (got.arraySync() as number[][]).forEach((row, y) =>
        row.forEach((v, x) => expect(Math.abs(v - want[y][x])).toBeLessThan(1e-5)),
      );
      tf.dispose([img, got]);
    }
  });

  it('the box is the CutMix box centred at the host arg-max of x[σ][0]; λ is a scalar tensor', () => {
    const x = randomImages(3, 12, 12, 3, 5);
    const perm = new Int32Array([2, 0, 1]);
    const lam = 0.6;
    const r = saliencymixMask({ x, perm, lam, rng: new Rng(0) });
    const [cy, cx] = argmax2d(hostSaliency((x.arraySync() as number[][][][])[2]));
    const { cutH, cutW } = cutmixSize(12, 12, lam);
    const box = centredBox(12, 12, cutH, cutW, cy, cx);
    const m = r.m.arraySync() as number[][][][];
    for (let n = 0; n < 3; n++)
      for (let y = 0; y < 12; y++)
        for (let c = 0; c < 12; c++)
          expect(m[n][y][c][0]).toBe(y >= box.y1 && y < box.y2 && c >= box.x1 && c < box.x2 ? 1 : 0);
    expect(r.lam).toBeInstanceOf(tf.Tensor);
    const lamT = r.lam as tf.Tensor;
    expect(lamT.shape).toEqual([]);
    const area = (box.y2 - box.y1) * (box.x2 - box.x1);
    expect(Math.abs(lamT.dataSync()[0] - (1 - area / 144))).toBeLessThan(1e-7);
    tf.dispose([x, r.m, lamT]);
  });

  it('only x[σ][0] decides the box', () => {
    const x = randomImages(3, 10, 10, 3, 6);
    const perm = new Int32Array([1, 2, 0]);
    const base = saliencymixMask({ x, perm, lam: 0.7, rng: new Rng(0) });
    const other = tf.tidy(
      () =>
        tf.concat([
          tf.mul(x.slice([0], [1]), 5),
          x.slice([1], [1]),
          tf.reverse(x.slice([2], [1]), 1),
        ]) as tf.Tensor4D,
    );
    const same = saliencymixMask({ x: other, perm, lam: 0.7, rng: new Rng(0) });
    expect(Array.from(same.m.dataSync())).toEqual(Array.from(base.m.dataSync()));
    tf.dispose([x, other, base.m, base.lam as tf.Tensor, same.m, same.lam as tf.Tensor]);
  });

  it('centres the box on the only textured region of a flat image', () => {
    const rng = new Rng(12);
    const data = new Float32Array(16 * 16);
    for (let y = 10; y < 14; y++) for (let x = 2; x < 6; x++) data[y * 16 + x] = rng.uniform() * 4;
    const sal = tf.tensor2d(
      hostSaliency(
        Array.from({ length: 16 }, (_, y) => Array.from({ length: 16 }, (_, x) => [data[y * 16 + x]])),
      ),
    );
    const { m } = saliencyBoxMask(sal, 1, 4, 4);
    const mv = (m.arraySync() as number[][][][])[0];
    let sy = 0;
    let sx = 0;
    let cnt = 0;
    mv.forEach((row, y) =>
      row.forEach((v, x) => {
        if (v[0] !== 1) return;
        sy += y;
        sx += x;
        cnt++;
      }),
    );
    expect(cnt).toBe(16);
    expect(sy / cnt).toBeGreaterThanOrEqual(8);
    expect(sy / cnt).toBeLessThanOrEqual(15);
    expect(sx / cnt).toBeGreaterThanOrEqual(0);
    expect(sx / cnt).toBeLessThanOrEqual(7);
    tf.dispose([sal, m]);
  });

  it('saliencyBoxMask clips at the border like CutMix', () => {
    const sal = tf.tensor2d([
      [9, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ]);
    const { m, lam } = saliencyBoxMask(sal, 2, 2, 2); // centre (0, 0), box rows [0,1) cols [0,1)
    const mv = Array.from(m.dataSync());
    expect(mv.slice(0, 16)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(mv.slice(16)).toEqual(mv.slice(0, 16));
    expect(Math.abs(lam.dataSync()[0] - 15 / 16)).toBeLessThan(1e-7);
    tf.dispose([sal, m, lam]);
  });
});
