/**
 * Mixup (Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018; OpenMixup
 * `augments/mixup.py`; docs/method.md): x̃ = λ·x + (1 − λ)·x[σ], i.e. the constant mask m = 1 − λ.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskContext, MaskResult, MixMethod } from './types';

/**
 * Constant mask m ≡ 1 − λ.
 * @returns m `[N, H, W, 1]`, lam = ctx.lam
 */
export function mixupMask(ctx: MaskContext): MaskResult {
  const [n, h, w] = ctx.x.shape;
  return { m: tf.fill([n, h, w, 1], 1 - ctx.lam) as tf.Tensor4D, lam: ctx.lam };
}

export const mixup: MixMethod = {
  name: 'mixup',
  label: 'Mixup',
  kind: 'pixel',
  description: 'Every pixel is the blend λ·x + (1 − λ)·x[σ]: a constant mask.',
  makeMask: mixupMask,
};
