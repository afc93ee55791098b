/**
 * Rectangular boxes shared by the box-pasting baselines (CutMix, ResizeMix, SaliencyMix; docs/method.md,
 * docs/method.md; OpenMixup `augments/cutmix.py` `rand_bbox`): a box of a given size centred at a
 * pixel, clipped to the image, and its `[N, H, W, 1]` indicator mask.
 */
import * as tf from '@tensorflow/tfjs';

/** Half-open pixel box: rows [y1, y2), columns [x1, x2). */
export interface Box {
  y1: number;
  y2: number;
  x1: number;
  x2: number;
}

const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);

/** CutMix box side lengths: int(H·√(1 − λ)) × int(W·√(1 − λ)). */
export function cutmixSize(h: number, w: number, lam: number): { cutH: number; cutW: number } {
  const r = Math.sqrt(Math.max(0, 1 - lam));
  return { cutH: Math.floor(h * r), cutW: Math.floor(w * r) };
}

/**
 * Box of size ≈ cutH × cutW centred at (cy, cx): corners clip(c ± ⌊cut/2⌋, 0, size), as in OpenMixup
 * (an odd side therefore loses one pixel, and clipping at the border shrinks the box).
 */
export function centredBox(h: number, w: number, cutH: number, cutW: number, cy: number, cx: number): Box {
  const hh = Math.floor(cutH / 2);
  const hw = Math.floor(cutW / 2);
  return { y1: clip(cy - hh, h), y2: clip(cy + hh, h), x1: clip(cx - hw, w), x2: clip(cx + hw, w) };
}

/** Number of pixels in the box. */
export function boxArea(b: Box): number {
  return Math.max(0, b.y2 - b.y1) * Math.max(0, b.x2 - b.x1);
}

/**
 * Indicator of the box: 1 inside, 0 outside, the same for all N samples.
 * @returns `[n, h, w, 1]` float32
 */
export function boxMask(n: number, h: number, w: number, b: Box): tf.Tensor4D {
  const data = new Float32Array(h * w);
  for (let y = b.y1; y < b.y2; y++) data.fill(1, y * w + b.x1, y * w + b.x2);
  return tf.tidy(() => tf.tile(tf.tensor4d(data, [1, h, w, 1]), [n, 1, 1, 1]) as tf.Tensor4D);
}
