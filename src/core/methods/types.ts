/**
 * One interface for every mixup method (rule R7, docs/architecture.md): each produces a mask `m` — the weight of the
 * shuffled image x[σ], `[N, H, W, 1]` in [0, 1] — and one `mixWithMask` applies it:
 * x̃ = (1 − m)·x + m·x[σ], label weight λ on y and 1 − λ on y[σ].
 * ManifoldMix mixes hidden features instead (kind `feature`); AutoMix and SAMix learn the mask
 * with a Mixer (kind `learned`); ERM does not mix (kind `none`).
 */
import type * as tf from '@tensorflow/tfjs';
import type { MethodName } from '../config';
import type { Rng } from '../../lib/random';

export type MethodKind = 'none' | 'pixel' | 'feature' | 'learned';

export interface MaskContext {
  /** The (augmented, normalised) batch, `[N, H, W, C]`. */
  x: tf.Tensor4D;
  /** σ, a permutation of 0..N−1 drawn by the caller. */
  perm: Int32Array;
  /** λ ~ Beta(α, α) drawn by the caller from the run generator. */
  lam: number;
  /** The run generator (boxes, spectra, scales, grid sizes). */
  rng: Rng;
  /**
   * Input-gradient saliency of the current model, `[N, H, W, 1]` ≥ 0 (PuzzleMix). Provided by the
   * trainer; costs one extra forward+backward.
   */
  inputSaliency?: () => tf.Tensor4D;
  /** SAMix^P: the frozen pre-trained encoder + Mixer of the run's bundle (core/weights/mixerBundle.ts). */
  pretrained?: MaskSource;
}

/** A frozen mask generator (SAMix^P): inference only, nothing trained or updated. */
export interface MaskSource {
  /** The backbone mask of a step, weight of x[σ] `[N, H, W, 1]` (lam_margin; mask_adjust coin from rng). */
  mask(x: tf.Tensor4D, perm: Int32Array, lam: number, rng: Rng): tf.Tensor4D;
  /** The raw Mixer mask (what the probe shows). */
  rawMask(x: tf.Tensor4D, perm: Int32Array, lam: number): tf.Tensor4D;
}

export interface MaskResult {
  /** Weight of the shuffled image, `[N, H, W, 1]` in [0, 1]. */
  m: tf.Tensor4D;
  /**
   * Label weight on y (un-shuffled). A number (one λ per batch), a host array of per-sample λ_n,
   * or a tensor (scalar or `[N]`) when it is only known on the device (e.g. SaliencyMix's box).
   */
  lam: number | Float32Array | tf.Tensor;
  /**
   * The mixed batch x̃ `[N, H, W, C]`, only for methods whose mix cannot be written as
   * (1 − m)·x + m·x[σ] (ResizeMix pastes a down-sized copy of the whole x[σ]). When present the
   * trainer uses it as x̃ instead of `mixWithMask(x, σ, m)`, and `m` only marks the pasted region
   * (display, mask mean). Owned by the caller like `m`.
   */
  mixed?: tf.Tensor4D;
}

export interface MixMethod {
  name: MethodName;
  /** Display name; approximations say so (e.g. "SaliencyMix (approx.)"). */
  label: string;
  kind: MethodKind;
  /** One sentence for tooltips: what the mask is. */
  description: string;
  /** For `pixel` methods: the mask for this batch. Must not dispose ctx.x. */
  makeMask?: (ctx: MaskContext) => MaskResult;
}
