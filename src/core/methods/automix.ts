/**
 * AutoMix (Liu et al., "AutoMix: Unveiling the Power of Mixup for Stronger Classifiers", ECCV 2022,
 * arXiv 2103.13027; OpenMixup `classifiers/automix.py` with the v1 Mix Block of
 * `heads/pmix_block.py`; docs/method.md): the mask is learned online by a Mixer trained with the
 * plain mixup CE through the momentum encoder and the L1 mask loss. Descriptor only: the trainer
 * builds and runs the Mixer.
 */
import type { MixMethod } from './types';

export const automix: MixMethod = {
  name: 'automix',
  label: 'AutoMix',
  kind: 'learned',
  description: 'A Mixer learns the mask online from momentum-encoder features (mixup CE, L1 mask loss).',
};
