/**
 * PuzzleMix, simplified (Kim et al., "Puzzle Mix: Exploiting Saliency and Local Statistics for
 * Optimal Mixup", ICML 2020; OpenMixup `augments/puzzlemix.py`; docs/method.md).
 *
 * What is kept: the input-gradient saliency of the current model (`ctx.inputSaliency`), the random
 * block grid b × b with b = 2^U{1..4}, block-pooled saliency, a mask made of whole blocks whose area
 * follows λ, and per-sample λ_n = mean of the x share.
 * What is simplified: no graph-cut (no pairwise smoothness, no λ prior term), no optimal-transport
 * step that moves salient blocks, two mask levels {0, 1} instead of {0, ½, 1}. Per sample, the
 * k = round((1 − λ)·b²) blocks where x[σ] is most salient are taken from x[σ] (m = 1), the rest
 * from x; the block mask is nearest-upsampled to H × W. When H or W is not a multiple of b, block
 * edges fall at ⌊i·H/b⌋ (blocks differ by at most one pixel) and λ_n is the exact pixel share.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';
import type { MaskContext, MaskResult, MixMethod } from './types';

/** Grid size b = 2^U{1..4}, halved until b ≤ min(H, W). */
export function pickBlockCount(rng: Rng, h: number, w: number): number {
  let b = 2 ** (1 + rng.int(4));
  while (b > 1 && b > Math.min(h, w)) b /= 2;
  return b;
}

/**
 * Membership matrix `[b, size]`: entry (i, p) = 1 when pixel p lies in block i = ⌊p·b/size⌋.
 */
function blockMembership(b: number, size: number): tf.Tensor2D {
  const data = new Float32Array(b * size);
  for (let p = 0; p < size; p++) data[Math.floor((p * b) / size) * size + p] = 1;
  return tf.tensor2d(data, [b, size]);
}

/**
 * Per-block mean of a map.
 * @param s `[N, H, W]`
 * @returns `[N, b, b]`
 */
function blockMeans(s: tf.Tensor3D, rowsB: tf.Tensor2D, colsB: tf.Tensor2D): tf.Tensor3D {
  const [n, h, w] = s.shape;
  const b = rowsB.shape[0];
  // Σ over columns of each column block: [N·H, W]·[W, b] → [N, H, b].
  const byCols = tf.reshape(tf.matMul(tf.reshape(s, [n * h, w]), colsB, false, true), [n, h, b]);
  // Σ over rows of each row block: [N·b(col), H]·[H, b(row)] → [N, b(col), b(row)] → transpose.
  const t = tf.reshape(tf.transpose(byCols, [0, 2, 1]), [n * b, h]);
  const sums = tf.transpose(tf.reshape(tf.matMul(t, rowsB, false, true), [n, b, b]), [0, 2, 1]);
  const area = tf.matMul(tf.sum(rowsB, 1, true), tf.sum(colsB, 1, true), false, true); // [b, b] pixels per block
  return tf.div(sums, area) as tf.Tensor3D;
}

/**
 * Nearest upsampling of a block mask through the membership matrices.
 * @param mb `[N, b, b]`
 * @returns `[N, H, W, 1]`
 */
function upsampleBlocks(mb: tf.Tensor3D, rowsB: tf.Tensor2D, colsB: tf.Tensor2D): tf.Tensor4D {
  const [n, b] = mb.shape;
  const [, h] = rowsB.shape;
  const [, w] = colsB.shape;
  const wide = tf.reshape(tf.matMul(tf.reshape(mb, [n * b, b]), colsB), [n, b, w]); // [N, b, W]
  const t = tf.reshape(tf.transpose(wide, [0, 2, 1]), [n * w, b]);
  const full = tf.transpose(tf.reshape(tf.matMul(t, rowsB), [n, w, h]), [0, 2, 1]); // [N, H, W]
  return tf.expandDims(full, 3) as tf.Tensor4D;
}

/**
 * Block mask from a saliency map of the shuffled images (the PuzzleMix-simplified core; pure).
 * @param salShuffled `[N, H, W, 1]` saliency of x[σ]
 * @param b grid size
 * @param lam λ (share of x)
 * @returns m `[N, H, W, 1]` ∈ {0, 1}; lam `[N]` = 1 − mean(m_n)
 */
export function saliencyBlockMask(
  salShuffled: tf.Tensor4D,
  b: number,
  lam: number,
): { m: tf.Tensor4D; lam: tf.Tensor1D } {
  return tf.tidy(() => {
    const [n, h, w] = salShuffled.shape;
    const cells = b * b;
    const k = Math.min(cells, Math.max(0, Math.round((1 - lam) * cells)));
    if (k === 0 || k === cells) {
      const v = k === 0 ? 0 : 1;
      return { m: tf.fill([n, h, w, 1], v) as tf.Tensor4D, lam: tf.fill([n], 1 - v) as tf.Tensor1D };
    }
    const rowsB = blockMembership(b, h);
    const colsB = blockMembership(b, w);
    const means = tf.reshape(blockMeans(tf.reshape(salShuffled, [n, h, w]), rowsB, colsB), [n, cells]);
    const { indices } = tf.topk(means, k, true); // [N, k]
    // int32 one-hot, then cast (wasm ignores oneHot's dtype argument).
    const chosen = tf.cast(tf.sum(tf.oneHot(indices, cells), 1), 'float32'); // [N, cells] ∈ {0, 1}
    const m = upsampleBlocks(tf.reshape(chosen, [n, b, b]), rowsB, colsB);
    return { m, lam: tf.sub(1, tf.mean(m, [1, 2, 3])) as tf.Tensor1D };
  });
}

/**
 * PuzzleMix (simplified) for the batch. Calls `ctx.inputSaliency()` inside its tidy scope: a tensor
 * the callback creates there is disposed here; a pre-existing tensor it returns is left alone.
 * @returns m `[N, H, W, 1]` ∈ {0, 1}; lam: `[N]` tensor of per-sample λ_n
 */
export function puzzlemixMask(ctx: MaskContext): MaskResult {
  if (!ctx.inputSaliency)
    throw new Error('PuzzleMix needs ctx.inputSaliency (input-gradient saliency of the model)');
  const [, h, w] = ctx.x.shape;
  const b = pickBlockCount(ctx.rng, h, w);
  const getSaliency = ctx.inputSaliency;
  return tf.tidy(() => {
    const sal = tf.gather(getSaliency(), tf.tensor1d(ctx.perm, 'int32')) as tf.Tensor4D;
    return saliencyBlockMask(sal, b, ctx.lam);
  });
}

export const puzzlemix: MixMethod = {
  name: 'puzzlemix',
  label: 'PuzzleMix (simplified)',
  kind: 'pixel',
  description: 'The most salient blocks of x[σ] (input-gradient saliency) replace the same blocks of x.',
  makeMask: puzzlemixMask,
};
