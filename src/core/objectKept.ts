/**
 * The object-kept score: how much of both images' objects a mixing mask keeps visible.
 *
 * For a pair (A, B) mixed as (1 − m)·A + m·B with the mask m (weight of B) and the ground-truth object
 * masks o_A, o_B of the two images (`shapes` has them), the score is
 *
 *   kept(m) = Σ o_A·(1 − m) / Σ o_A  +  Σ o_B·m / Σ o_B        ∈ [0, 2].
 *
 * A mask that ignores the images (a constant λ, or a box or spectrum placed at random) keeps on
 * average λ of A's object and 1 − λ of B's, so it scores 1; a mask that puts A's share where A's
 * object is and B's share where B's is scores above 1 (2 = both objects whole). The playground
 * measures it on fixed test pairs at three ratios (below) at every evaluation: the number that says
 * whether the learned masks find the objects (docs/ranking.md).
 */
import type { ImageDataset } from '../data/types';
import { defaultProbePairs } from './probePairs';

/** Test pairs the score averages over (fixed per dataset, two different classes each). */
export const OBJECT_KEPT_PAIRS = 64;
/** Mixing ratios λ (weight of A) every pair is scored at. */
export const OBJECT_KEPT_LAMS = [0.3, 0.5, 0.7] as const;
/** Seed of the score's pair choice (apart from the gallery's pairs). */
const PAIR_SEED = 0x0b1ec7;

/**
 * Share of an object kept by per-pixel weights: Σ o·w / Σ o.
 * @param obj object mask, H·W values (uint8 0/255 or any non-negative weights), read at `offset`
 * @param weight per-pixel weight of this image in the mix, H·W values in [0, 1]
 * @returns NaN when the object mask is empty
 */
export function shareKept(obj: ArrayLike<number>, offset: number, weight: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let p = 0; p < weight.length; p++) {
    const o = obj[offset + p];
    num += o * weight[p];
    den += o;
  }
  return den > 0 ? num / den : NaN;
}

/**
 * The object-kept score of one mixed pair (see the file comment).
 * @param mask m, the weight of B, H·W values in [0, 1]
 * @param objA object mask of A (H·W values at `offsetA`); @param objB the same for B
 */
export function pairObjectKept(
  mask: ArrayLike<number>,
  objA: ArrayLike<number>,
  offsetA: number,
  objB: ArrayLike<number>,
  offsetB: number,
): number {
  const keepA = Array.from(mask, (v) => 1 - v);
  return shareKept(objA, offsetA, keepA) + shareKept(objB, offsetB, mask);
}

/** The score's fixed test pairs for a dataset; empty when it has no object masks. */
export function objectKeptPairs(ds: ImageDataset): Array<[number, number]> {
  if (!ds.test.objectMasks) return [];
  return defaultProbePairs(ds, OBJECT_KEPT_PAIRS, PAIR_SEED);
}

/**
 * Mean score over masks of test pairs.
 * @param ds the dataset (its test split's object masks)
 * @param scored one entry per mixed pair: test indices and the mask m (weight of B)
 * @returns NaN without object masks or without pairs
 */
export function meanObjectKept(
  ds: ImageDataset,
  scored: Array<{ indexA: number; indexB: number; mask: ArrayLike<number> }>,
): number {
  const obj = ds.test.objectMasks;
  if (!obj || scored.length === 0) return NaN;
  const hw = ds.height * ds.width;
  let sum = 0;
  let n = 0;
  for (const s of scored) {
    const v = pairObjectKept(s.mask, obj, s.indexA * hw, obj, s.indexB * hw);
    if (Number.isFinite(v)) {
      sum += v;
      n += 1;
    }
  }
  return n > 0 ? sum / n : NaN;
}
