/**
 * Mixup diagnostics (pure, tested): the Beta(α,α) density to compare the λ histogram against, mask
 * statistics (mean, variance, binariness, total variation) and the collapse checks behind the
 * warning (constant masks, masks that are just λ everywhere, masks identical across pairs).
 */

/** log Γ(x) by the Lanczos approximation (g = 7), accurate to ~1e-13 for x > 0. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Density of Beta(a, b) at x in (0, 1). */
export function betaPdf(x: number, a: number, b: number): number {
  if (x <= 0 || x >= 1) return 0;
  const logB = logGamma(a) + logGamma(b) - logGamma(a + b);
  return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) - logB);
}

/** Normalised histogram of values in [0,1] as densities per bin (integrates to 1). */
export function histogram(values: readonly number[], bins: number): Array<{ x: number; density: number }> {
  const counts = new Array<number>(bins).fill(0);
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
    n++;
  }
  return counts.map((c, i) => ({ x: (i + 0.5) / bins, density: n ? (c / n) * bins : 0 }));
}

/** The top of the histogram's y axis: at least 1, at most 6, in steps of ½ so it seldom moves. */
export function histogramTop(densities: readonly number[]): number {
  let top = 1;
  for (const d of densities) if (Number.isFinite(d) && d > top) top = d;
  return Math.min(6, Math.ceil(top * 2) / 2);
}

export interface MaskStats {
  mean: number;
  variance: number;
  /** mean |2m − 1|: 0 for a constant 0.5 mask, 1 for a binary mask. */
  binariness: number;
  /** Mean absolute difference between 4-neighbours (spatial roughness). */
  totalVariation: number;
}

export function maskStats(m: ArrayLike<number>, width: number, height: number): MaskStats {
  const n = width * height;
  let sum = 0;
  let bin = 0;
  for (let i = 0; i < n; i++) {
    sum += m[i];
    bin += Math.abs(2 * m[i] - 1);
  }
  const mean = sum / n;
  let v = 0;
  let tv = 0;
  let edges = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      v += (m[i] - mean) ** 2;
      if (x + 1 < width) {
        tv += Math.abs(m[i + 1] - m[i]);
        edges++;
      }
      if (y + 1 < height) {
        tv += Math.abs(m[i + width] - m[i]);
        edges++;
      }
    }
  }
  return { mean, variance: v / n, binariness: bin / n, totalVariation: edges ? tv / edges : 0 };
}

/**
 * Learned masks start near the constant 0.5 (the Mixer's small init); the collapse warning waits
 * this many steps before judging them.
 */
export const COLLAPSE_GRACE_STEPS = 200;

/** Variance below this counts as a spatially constant mask. */
export const CONSTANT_VARIANCE = 1e-4;

/**
 * Why the probe masks look collapsed, or null. Inputs: masks of the probe pairs (weight of B), their
 * λ (asked), and their size.
 */
export function collapseWarning(
  masks: ArrayLike<number>[],
  lams: number[],
  width: number,
  height: number,
): string | null {
  if (masks.length === 0) return null;
  const stats = masks.map((m) => maskStats(m, width, height));
  if (stats.every((s) => s.variance < CONSTANT_VARIANCE)) {
    const allLam = stats.every((s, k) => Math.abs(1 - s.mean - lams[k]) < 0.02);
    return allLam
      ? 'Masks have collapsed to the constant λ everywhere (plain Mixup): the Mixer is not localising anything.'
      : 'Masks are spatially constant: the Mixer output does not depend on the images.';
  }
  if (masks.length > 1) {
    const n = width * height;
    let maxDiff = 0;
    for (let k = 1; k < masks.length; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += Math.abs(masks[k][i] - masks[0][i]);
      maxDiff = Math.max(maxDiff, d / n);
    }
    if (maxDiff < 0.01) return 'Masks are identical across pairs: the Mixer ignores its inputs.';
  }
  return null;
}
