/**
 * FMix (Harris et al., "FMix: Enhancing Mixed Sample Data Augmentation", arXiv 2002.12047; OpenMixup
 * `augments/fmix.py`; docs/method.md): a binary mask obtained by thresholding a random low-frequency
 * image. The spectrum has magnitude scale 1 / max(f, 1/max(H, W))^δ (δ = 3) with Gaussian real and
 * imaginary parts; the inverse 2-D DFT gives a smooth real image, min-max normalised; its top
 * ⌈λHW⌉ or ⌊λHW⌋ pixels (fair coin) become 1. One mask for the whole batch.
 *
 * Convention: FMix's mask keeps x (weight λ); our m weights x[σ], so m = 1 − fmixMask, and the λ
 * returned is the exact fraction of pixels kept from x.
 *
 * Port note: the spectrum is drawn on the full H×W grid and the real part of the complex inverse
 * DFT is taken, instead of a Hermitian half-spectrum + irfft. Both give a stationary Gaussian field
 * with power spectrum ∝ scale² (up to a constant factor, irrelevant after thresholding).
 */
import * as tf from '@tensorflow/tfjs';
import { fftfreq, ifft2 } from '../fft';
import type { Rng } from '../../lib/random';
import type { MaskContext, MaskResult, MixMethod } from './types';

/** Spectral decay power δ (`decay_power`). */
export const FMIX_DECAY = 3;

/**
 * A smooth random image in [0, 1] (row-major `[h, w]`): low-pass Gaussian noise, min-max normalised.
 * Draws 2·h·w normal deviates from `rng`.
 */
export function lowFreqImage(h: number, w: number, rng: Rng, decay = FMIX_DECAY): Float64Array {
  const fy = fftfreq(h);
  const fx = fftfreq(w);
  const floor = 1 / Math.max(h, w);
  const re = new Float64Array(h * w);
  const im = new Float64Array(h * w);
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      const f = Math.sqrt(fy[u] * fy[u] + fx[v] * fx[v]);
      const scale = 1 / Math.max(f, floor) ** decay;
      re[u * w + v] = scale * rng.normal();
      im[u * w + v] = scale * rng.normal();
    }
  }
  const img = ifft2(re, im, h, w).re;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of img) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  for (let k = 0; k < img.length; k++) img[k] = (img[k] - lo) / span;
  return img;
}

/**
 * Sets the `count` largest values of `img` to 1 and the rest to 0 (ties broken by lower index).
 * @returns row-major float32 mask
 */
export function binariseTop(img: ArrayLike<number>, count: number): Float32Array {
  const order = Array.from({ length: img.length }, (_, i) => i);
  order.sort((a, b) => img[b] - img[a] || a - b);
  const out = new Float32Array(img.length);
  for (let k = 0; k < Math.min(count, img.length); k++) out[order[k]] = 1;
  return out;
}

/**
 * One FMix mask on the host (pure given the generator).
 * @returns `keep`: row-major `[h, w]` in {0, 1}, 1 = pixel of x; `lam` = mean(keep)
 */
export function fmixKeepMask(
  h: number,
  w: number,
  lam: number,
  rng: Rng,
): { keep: Float32Array; lam: number } {
  const img = lowFreqImage(h, w, rng);
  const count = rng.uniform() > 0.5 ? Math.ceil(lam * h * w) : Math.floor(lam * h * w);
  return { keep: binariseTop(img, count), lam: Math.min(count, h * w) / (h * w) };
}

/**
 * FMix mask for the batch.
 * @returns m `[N, H, W, 1]` ∈ {0, 1} (weight of x[σ], = 1 − keep, the same for every sample),
 *   lam = fraction of pixels kept from x
 */
export function fmixMask(ctx: MaskContext): MaskResult {
  const [n, h, w] = ctx.x.shape;
  const { keep, lam } = fmixKeepMask(h, w, ctx.lam, ctx.rng);
  const m = new Float32Array(h * w);
  for (let k = 0; k < m.length; k++) m[k] = 1 - keep[k];
  return { m: tf.tidy(() => tf.tile(tf.tensor4d(m, [1, h, w, 1]), [n, 1, 1, 1]) as tf.Tensor4D), lam };
}

export const fmix: MixMethod = {
  name: 'fmix',
  label: 'FMix',
  kind: 'pixel',
  description: 'A binary mask cut from smooth random Fourier noise: blob-shaped regions of x[σ].',
  makeMask: fmixMask,
};
