/**
 * CutMix (Yun et al., "CutMix: Regularization Strategy to Train Strong Classifiers with Localizable
 * Features", ICCV 2019; OpenMixup `augments/cutmix.py`; docs/method.md): paste x[σ] into a random box of
 * side int(W·√(1 − λ)) × int(H·√(1 − λ)), clipped to the image, and recompute λ = 1 − area/(H·W).
 * Avoiding σ(n) = n is the caller's business.
 */
import { boxArea, boxMask, centredBox, cutmixSize, type Box } from './box';
import type { MaskContext, MaskResult, MixMethod } from './types';

/**
 * The CutMix box for a given centre and its recomputed λ (pure).
 * @param cy centre row in [0, H)
 * @param cx centre column in [0, W)
 */
export function cutmixBox(
  h: number,
  w: number,
  lam: number,
  cy: number,
  cx: number,
): { box: Box; lam: number } {
  const { cutH, cutW } = cutmixSize(h, w, lam);
  const box = centredBox(h, w, cutH, cutW, cy, cx);
  return { box, lam: 1 - boxArea(box) / (h * w) };
}

/**
 * Box mask with a uniformly random centre (column drawn first, then row, as in OpenMixup).
 * @returns m `[N, H, W, 1]` ∈ {0, 1}, lam = 1 − box area / (H·W)
 */
export function cutmixMask(ctx: MaskContext): MaskResult {
  const [n, h, w] = ctx.x.shape;
  const cx = ctx.rng.int(w);
  const cy = ctx.rng.int(h);
  const { box, lam } = cutmixBox(h, w, ctx.lam, cy, cx);
  return { m: boxMask(n, h, w, box), lam };
}

export const cutmix: MixMethod = {
  name: 'cutmix',
  label: 'CutMix',
  kind: 'pixel',
  description: 'A random rectangle of x[σ] is pasted onto x; λ is the uncovered area.',
  makeMask: cutmixMask,
};
