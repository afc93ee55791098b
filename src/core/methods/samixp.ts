/**
 * SAMix^P (docs/samixp.md; Li et al., arXiv 2111.15454 v3): the mask comes from a PRE-TRAINED SAMix
 * (or AutoMix) Mixer reading its own frozen momentum encoder, both loaded from a Mixer bundle and run
 * in inference mode; only a fresh classifier is trained — no Mixer objective, no EMA, no momentum
 * encoder on mixed images. Per step: one frozen forward to the Mixer's stage + one Mixer pass.
 */
import type { MixMethod } from './types';

export const samixp: MixMethod = {
  name: 'samixp',
  label: 'SAMix^P (pre-trained Mixer)',
  kind: 'pixel',
  description:
    'A frozen, pre-trained SAMix Mixer (from a Mixer bundle) makes the mask; only the classifier trains.',
  makeMask: (ctx) => {
    if (!ctx.pretrained)
      throw new Error(
        'samixp needs a pre-trained Mixer bundle (setting mixerBundle): export one from a SAMix run',
      );
    return { m: ctx.pretrained.mask(ctx.x, ctx.perm, ctx.lam, ctx.rng), lam: ctx.lam };
  },
};
