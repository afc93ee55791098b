/**
 * A tiny 2-D discrete Fourier transform on the host, for FMix's low-frequency masks (docs/method.md).
 * Direct separable DFT with precomputed twiddles: O(H·W·(H + W)), ≈ 65 k complex multiply-adds for
 * 32×32 — cheaper than a device round trip. Plain TypeScript, float64, no TF.js.
 */

/** Sample frequencies of an n-point DFT in cycles per sample (numpy `fftfreq`): 0, 1/n, …, −1/n. */
export function fftfreq(n: number): Float64Array {
  const f = new Float64Array(n);
  for (let k = 0; k < n; k++) f[k] = (k < Math.ceil(n / 2) ? k : k - n) / n;
  return f;
}

/**
 * 1-D DFT of every line of a row-major complex matrix along one axis, in place.
 * @param sign +1 for the inverse transform (e^{+2πi kn/len}), −1 for the forward one
 */
function dftAxis(re: Float64Array, im: Float64Array, h: number, w: number, axis: 0 | 1, sign: 1 | -1): void {
  const len = axis === 1 ? w : h;
  const lines = axis === 1 ? h : w;
  const stride = axis === 1 ? 1 : w;
  const step = axis === 1 ? w : 1;
  const cos = new Float64Array(len);
  const sin = new Float64Array(len);
  for (let k = 0; k < len; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / len);
    sin[k] = sign * Math.sin((2 * Math.PI * k) / len);
  }
  const outRe = new Float64Array(len);
  const outIm = new Float64Array(len);
  for (let line = 0; line < lines; line++) {
    const base = line * step;
    for (let n = 0; n < len; n++) {
      let sr = 0;
      let si = 0;
      for (let k = 0; k < len; k++) {
        const t = (k * n) % len;
        const xr = re[base + k * stride];
        const xi = im[base + k * stride];
        sr += xr * cos[t] - xi * sin[t];
        si += xr * sin[t] + xi * cos[t];
      }
      outRe[n] = sr;
      outIm[n] = si;
    }
    for (let n = 0; n < len; n++) {
      re[base + n * stride] = outRe[n];
      im[base + n * stride] = outIm[n];
    }
  }
}

/** Result of a complex 2-D transform, row-major `[h, w]`. */
export interface Complex2D {
  re: Float64Array;
  im: Float64Array;
}

/**
 * Forward 2-D DFT X[u,v] = Σ_{y,x} x[y,x]·e^{−2πi (uy/h + vx/w)} (unnormalised, numpy `fft2`).
 * Inputs are row-major `[h, w]`; `im` may be omitted for a real signal. Inputs are not modified.
 */
export function fft2(re: ArrayLike<number>, im: ArrayLike<number> | null, h: number, w: number): Complex2D {
  const r = Float64Array.from(re);
  const i = im ? Float64Array.from(im) : new Float64Array(h * w);
  dftAxis(r, i, h, w, 1, -1);
  dftAxis(r, i, h, w, 0, -1);
  return { re: r, im: i };
}

/**
 * Inverse 2-D DFT x[y,x] = (1/(h·w)) Σ_{u,v} X[u,v]·e^{+2πi (uy/h + vx/w)} (numpy `ifft2`).
 * Inputs are row-major `[h, w]` and are not modified.
 */
export function ifft2(re: ArrayLike<number>, im: ArrayLike<number>, h: number, w: number): Complex2D {
  const r = Float64Array.from(re);
  const i = Float64Array.from(im);
  dftAxis(r, i, h, w, 1, 1);
  dftAxis(r, i, h, w, 0, 1);
  const s = 1 / (h * w);
  for (let k = 0; k < h * w; k++) {
    r[k] *= s;
    i[k] *= s;
  }
  return { re: r, im: i };
}
