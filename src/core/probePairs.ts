/**
 * The fixed probe pairs of the mask gallery: test images tracked across training, so the same two
 * images are mixed at every logged step. Deterministic for a dataset and a seed; the two images of
 * a pair always come from different classes (where the dataset has more than one).
 */
import { Rng } from '../lib/random';
import type { ImageDataset } from '../data/types';

export function defaultProbePairs(data: ImageDataset, n: number, seed = 0): Array<[number, number]> {
  const { count, labels } = data.test;
  if (count < 2) return [];
  const rng = new Rng(0x5eed + seed);
  const pairs: Array<[number, number]> = [];
  const used = new Set<number>();
  for (let tries = 0; pairs.length < n && tries < 50 * n; tries++) {
    const a = rng.int(count);
    const b = rng.int(count);
    if (a === b || used.has(a) || used.has(b)) continue;
    if (labels[a] === labels[b] && tries < 40 * n) continue;
    // Prefer pairs whose class combination is new, so the gallery shows variety.
    if (tries < 20 * n && pairs.some(([x]) => labels[x] === labels[a])) continue;
    pairs.push([a, b]);
    used.add(a);
    used.add(b);
  }
  return pairs;
}
