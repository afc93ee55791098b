/**
 * Training augmentation as tensor ops (docs/method.md): RandomCrop(H×W, padding 4) + horizontal flip
 * (when the dataset allows flips). The random parameters — one crop offset pair and one flip bit per
 * image — come from the run's `Rng`, so augmentation is reproducible and needs no readback.
 *
 * Padding is `reflect` (OpenMixup's CIFAR pipeline), which also makes the op correct on the
 * already-normalised resident images (zero padding would paint the pad with the mean colour).
 * Implementation: the crop offsets, the reflection and the flip are folded into host-computed pixel
 * indices, so the batch fetch and its augmentation are ONE `tf.gather` on the device. (TF.js 4.22's
 * wasm CropAndResize ignores x1 for un-flipped boxes, so it is not used.)
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../lib/random';

/** Padding of the random crop, in pixels. */
export const CROP_PADDING = 4;

/** Random parameters for one batch. */
export interface AugmentParams {
  /** Crop offsets in the padded image: `[N·2]` as (dy, dx) pairs in [0, 2·pad]. */
  offsets: Int32Array;
  /** 1 = flip horizontally, `[N]`. */
  flips: Uint8Array;
}

/**
 * Draws crop offsets and flips for `n` images: per image dy, dx, then the flip coin (only when
 * `flip`), in image order.
 */
export function drawAugment(rng: Rng, n: number, flip: boolean, pad = CROP_PADDING): AugmentParams {
  const offsets = new Int32Array(2 * n);
  const flips = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    offsets[2 * i] = rng.int(2 * pad + 1);
    offsets[2 * i + 1] = rng.int(2 * pad + 1);
    if (flip) flips[i] = rng.uniform() < 0.5 ? 1 : 0;
  }
  return { offsets, flips };
}

/** Reflect index i into [0, n) (the padding mode 'reflect': no edge repeat). */
function reflect(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/**
 * Flat pixel indices of a cropped/flipped batch: output pixel (r, y, x) reads source pixel
 * rows[r]·H·W + reflect(y + dy − pad)·W + reflect(x' + dx − pad), x' = W−1−x when flipped. Folding the
 * padding and the flip into the indices makes fetch + augmentation ONE gather.
 * @param rows source image of each output row (dataset indices, or 0..N−1 for a batch tensor)
 * @param p crop/flip parameters, or null for the identity
 * @returns `[N·H·W]` int32 indices into the `[count·H·W, C]` view of the source
 */
export function cropFlipIndices(
  rows: Int32Array,
  p: AugmentParams | null,
  h: number,
  w: number,
  pad = CROP_PADDING,
): Int32Array {
  const n = rows.length;
  const out = new Int32Array(n * h * w);
  let k = 0;
  for (let r = 0; r < n; r++) {
    const base = rows[r] * h * w;
    const dy = p ? p.offsets[2 * r] - pad : 0;
    const dx = p ? p.offsets[2 * r + 1] - pad : 0;
    const flip = p ? p.flips[r] === 1 : false;
    for (let y = 0; y < h; y++) {
      const sy = reflect(y + dy, h);
      for (let x = 0; x < w; x++) {
        const sx = reflect((flip ? w - 1 - x : x) + dx, w);
        out[k++] = base + sy * w + sx;
      }
    }
  }
  return out;
}

/**
 * Applies crops and flips to a batch tensor (one gather).
 * @param x images `[N, H, W, C]` (normalised); H, W > pad
 * @returns `[N, H, W, C]`
 */
export function applyAugment(x: tf.Tensor4D, p: AugmentParams, pad = CROP_PADDING): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const idx = cropFlipIndices(
      Int32Array.from({ length: n }, (_, i) => i),
      p,
      h,
      w,
      pad,
    );
    const flat = tf.reshape(x, [n * h * w, c]); // [N·H·W, C]
    return tf.reshape(tf.gather(flat, tf.tensor1d(idx, 'int32')), [n, h, w, c]) as tf.Tensor4D;
  });
}
