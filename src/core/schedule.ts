/**
 * Pure schedules of the training step: the Mixer's λ rescale (docs/method.md, OpenMixup
 * `PixelMixBlock.rescale_lam_mult`), the EMA momentum schedule of the momentum encoder (docs/method.md,
 * OpenMixup `CosineScheduleHook`) and the per-iteration cosine learning rate (docs/method.md, mmcv
 * `CosineAnnealing`). No TF.js: plain numbers in, plain numbers out.
 */

/** Largest rescale constant k accepted; larger values are clipped (the function is ≈ identity). */
export const LAM_RESCALE_K_MAX = 10;

/**
 * The λ rescale f_k of the Mixer's λ encoding (docs/method.md):
 * f_k(λ) = ((4/3)λ³ − 2λ² + k'λ) / (k' − 2/3) with k' = k + 1.
 *
 * f(0) = 0, f(½) = ½, f(1) = 1, f(1 − λ) = 1 − f(λ), monotone; it pulls λ towards ½ (more for
 * small k). `k < 0` means "no rescale" (identity); `k` is clipped to ≤ 10.
 * @param lam λ in [0, 1].
 * @param k rescale constant (`lamMulK`).
 */
export function lamRescale(lam: number, k: number): number {
  if (k < 0) return lam;
  const kp = Math.min(k, LAM_RESCALE_K_MAX) + 1;
  return ((4 / 3) * lam ** 3 - 2 * lam ** 2 + kp * lam) / (kp - 2 / 3);
}

/** Options of the EMA momentum schedule (RunConfig `emaBase`, `emaEnd`, `emaWarmupFrac`). */
export interface MomentumSchedule {
  /** Momentum m0 during the warm-up, and the start of the cosine. */
  base: number;
  /** Momentum reached at t = T. */
  end: number;
  /** Fraction of the run with constant momentum `base`. */
  warmupFrac: number;
}

/**
 * EMA momentum at iteration `step` of `totalSteps` (docs/method.md):
 * t < warmupFrac·T → base; otherwise end − (end − base)·(cos(π t/T) + 1)/2.
 * The cosine uses t/T (not the time since the warm-up), so the momentum jumps very slightly at the
 * end of the warm-up, as in OpenMixup. `step` is clamped to [0, T]; T ≤ 0 gives `end`.
 */
export function momentumAt(step: number, totalSteps: number, o: MomentumSchedule): number {
  if (totalSteps <= 0) return o.end;
  const t = Math.min(Math.max(step, 0), totalSteps);
  if (t < o.warmupFrac * totalSteps) return o.base;
  return o.end - ((o.end - o.base) * (Math.cos((Math.PI * t) / totalSteps) + 1)) / 2;
}

/**
 * Cosine-annealed learning rate at iteration `step` of `totalSteps`:
 * lrMin + (lr0 − lrMin)·(1 + cos(π t/T))/2 with t clamped to [0, T] (lr0 at t = 0, lrMin at t ≥ T).
 * T ≤ 0 gives `lrMin`.
 */
export function cosineLr(step: number, totalSteps: number, lr0: number, lrMin: number): number {
  if (totalSteps <= 0) return lrMin;
  const t = Math.min(Math.max(step, 0), totalSteps);
  return lrMin + ((lr0 - lrMin) * (1 + Math.cos((Math.PI * t) / totalSteps))) / 2;
}
