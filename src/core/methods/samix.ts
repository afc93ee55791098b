/**
 * SAMix (Li et al., "Boosting Discriminative Visual Representation Learning with Scenario-Agnostic
 * Mixup", arXiv 2111.15454; OpenMixup `classifiers/automix.py` + `heads/pmix_block.py` with the SAMix
 * options; docs/method.md): a label-free Mixer with λ-aware mixing attention learns the mask online,
 * trained with the η-balanced mixup loss and the L1 − 2·Var mask loss. Descriptor only: the trainer
 * builds and runs the Mixer.
 */
import type { MixMethod } from './types';

export const samix: MixMethod = {
  name: 'samix',
  label: 'SAMix',
  kind: 'learned',
  description:
    'A label-free Mixer learns the mask online, balancing local smoothness and global discrimination (η).',
};
