import { describe, expect, it } from 'vitest';
import { fft2, fftfreq, ifft2 } from './fft';
import { Rng } from '../lib/random';

const near = (actual: number, expected: number, tol: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
};

describe('fftfreq', () => {
  it('matches numpy for even and odd n', () => {
    expect(Array.from(fftfreq(4))).toEqual([0, 0.25, -0.5, -0.25]);
    expect(Array.from(fftfreq(5))).toEqual([0, 0.2, 0.4, -0.4, -0.2]);
  });
});

describe('2-D DFT', () => {
  it('fft2 matches the direct double sum on a random complex 3×5 signal', () => {
    const rng = new Rng(5);
    const h = 3;
    const w = 5;
    const re = Array.from({ length: h * w }, () => rng.normal());
    const im = Array.from({ length: h * w }, () => rng.normal());
    const out = fft2(re, im, h, w);
    for (let u = 0; u < h; u++) {
      for (let v = 0; v < w; v++) {
        let sr = 0;
        let si = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const a = -2 * Math.PI * ((u * y) / h + (v * x) / w);
            sr += re[y * w + x] * Math.cos(a) - im[y * w + x] * Math.sin(a);
            si += re[y * w + x] * Math.sin(a) + im[y * w + x] * Math.cos(a);
          }
        }
        near(out.re[u * w + v], sr, 1e-12);
        near(out.im[u * w + v], si, 1e-12);
      }
    }
  });

  it('ifft2 inverts fft2', () => {
    const rng = new Rng(8);
    const re = Array.from({ length: 32 }, () => rng.normal());
    const f = fft2(re, null, 4, 8);
    const back = ifft2(f.re, f.im, 4, 8);
    re.forEach((v, i) => {
      near(back.re[i], v, 1e-12);
      near(back.im[i], 0, 1e-12);
    });
  });

  it('ifft2 of a DC spike is constant and of a ±frequency pair is a cosine', () => {
    const h = 4;
    const w = 6;
    const dc = new Float64Array(h * w);
    dc[0] = h * w;
    for (const v of ifft2(dc, new Float64Array(h * w), h, w).re) near(v, 1, 1e-12);
    const pair = new Float64Array(h * w);
    pair[1 * w + 2] = 0.5 * h * w; // (u, v) = (1, 2) and its mirror (−1, −2)
    pair[(h - 1) * w + (w - 2)] = 0.5 * h * w;
    const img = ifft2(pair, new Float64Array(h * w), h, w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        near(img.re[y * w + x], Math.cos(2 * Math.PI * (y / h + (2 * x) / w)), 1e-12);
        near(img.im[y * w + x], 0, 1e-12);
      }
    }
  });
});
