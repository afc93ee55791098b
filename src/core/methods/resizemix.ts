/**
 * ResizeMix (Qin et al., "ResizeMix: Mixing Data with Preserved Object Information and True
 * Labels", arXiv 2012.11101; OpenMixup `augments/resizemix.py`; docs/method.md): the WHOLE image x[σ] is
 * shrunk (nearest neighbour) by τ and pasted into x at a random box of int(H·τ) × int(W·τ) (centre
 * uniform, box clipped, x[σ] resized to the clipped box); λ = 1 − area/(H·W).
 * τ = the caller's λ ~ Beta(α, α), redrawn uniformly in [0.1, 0.8] when outside (`use_alpha`).
 *
 * The pasted pixels are not x[σ] at the same positions, so the result carries `mixed`; `m` is the
 * box (for display and the mask mean).
 */
import * as tf from '@tensorflow/tfjs';
import { boxArea, boxMask, centredBox, type Box } from './box';
import type { MaskContext, MaskResult, MixMethod } from './types';

/** Range of the scale τ. */
export const RESIZEMIX_SCOPE: readonly [number, number] = [0.1, 0.8];

/** The paste box of scale τ centred at (cy, cx), and λ = 1 − area/(H·W) (pure). */
export function resizemixBox(
  h: number,
  w: number,
  tau: number,
  cy: number,
  cx: number,
): { box: Box; lam: number } {
  const box = centredBox(h, w, Math.floor(h * tau), Math.floor(w * tau), cy, cx);
  return { box, lam: 1 - boxArea(box) / (h * w) };
}

/**
 * x with the whole x[σ], resized (nearest) to the box, pasted into the box.
 * @param x `[N, H, W, C]`
 * @param perm σ, host Int32Array
 * @returns `[N, H, W, C]` (a copy of x when the box is empty)
 */
export function pasteResized(x: tf.Tensor4D, perm: Int32Array, box: Box): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const bh = box.y2 - box.y1;
  const bw = box.x2 - box.x1;
  if (bh <= 0 || bw <= 0) return tf.clone(x);
  return tf.tidy(() => {
    const small = tf.image.resizeNearestNeighbor(tf.gather(x, tf.tensor1d(perm, 'int32')), [bh, bw]);
    const placed = tf.pad(small, [
      [0, 0],
      [box.y1, h - box.y2],
      [box.x1, w - box.x2],
      [0, 0],
    ]);
    const inside = boxMask(n, h, w, box); // {0, 1}: both products below are exact
    return tf.add(tf.mul(tf.sub(1, inside), x), tf.mul(inside, placed)) as tf.Tensor4D;
  });
}

/**
 * ResizeMix for the batch.
 * @returns m `[N, H, W, 1]` box indicator, lam = 1 − area/(H·W), mixed `[N, H, W, C]`
 */
export function resizemixMask(ctx: MaskContext): MaskResult {
  const [n, h, w] = ctx.x.shape;
  const [lo, hi] = RESIZEMIX_SCOPE;
  const tau = ctx.lam >= lo && ctx.lam <= hi ? ctx.lam : ctx.rng.range(lo, hi);
  const cx = ctx.rng.int(w);
  const cy = ctx.rng.int(h);
  const { box, lam } = resizemixBox(h, w, tau, cy, cx);
  return { m: boxMask(n, h, w, box), lam, mixed: pasteResized(ctx.x, ctx.perm, box) };
}

export const resizemix: MixMethod = {
  name: 'resizemix',
  label: 'ResizeMix',
  kind: 'pixel',
  description: 'The whole of x[σ], shrunk, is pasted into a random box of x; λ is the uncovered area.',
  makeMask: resizemixMask,
};
