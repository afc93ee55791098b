/**
 * Teaching presets for the Compare panel: each is a link (URL hash) and a paragraph on what to look
 * for, and expands into comparison entries.
 */
import { parseConfig, type MethodName, type RunConfig } from '../core/config';
import { planComparison } from '../compare/plan';
import type { CompareEntry } from '../compare/types';

export interface ComparePreset {
  id: string;
  title: string;
  explain: string;
  /** Hash that opens the playground with this preset ready in the Compare panel. */
  hash: string;
  entries(base: RunConfig): CompareEntry[];
}

const methodsPreset = (methods: MethodName[]) => (base: RunConfig) => planComparison(base, methods, 1);

export const COMPARE_PRESETS: ComparePreset[] = [
  {
    id: 'mixup-cutmix-samix',
    title: 'Mixup vs CutMix vs SAMix on shapes',
    explain:
      'Same seed, data order and initial weights for all three. Watch the masks: Mixup blends whole images at a constant λ, CutMix pastes a random box whatever it covers, SAMix learns where to cut so both objects stay visible (see "object kept"). Expect SAMix to cost about three ERM steps per step.',
    hash: '#dataset=shapes&compare=mixup,cutmix,samix',
    entries: methodsPreset(['mixup', 'cutmix', 'samix']),
  },
  {
    id: 'eta',
    title: 'η = 0 vs 0.5 vs 1',
    explain:
      'η weighs global discrimination (the mixed image must not look like the other classes) against local smoothness (the ratio between the two mixed classes). With η = 0 the Mixer only matches the ratio and may produce masks in which neither object is recognisable; larger η asks that the mix stay recognisable. Compare the local and global curves and the masks.',
    hash: '#compare=eta',
    entries: (base) =>
      [0, 0.5, 1].map((eta) => ({
        label: `samix η=${eta}`,
        method: 'samix' as const,
        seed: base.seed,
        config: parseConfig({ ...base, method: 'samix', eta }),
      })),
  },
  {
    id: 'automix-samix',
    title: 'AutoMix vs SAMix',
    explain:
      'Both learn masks with a Mixer on the momentum encoder. SAMix adds the λ encoding, a non-linear content network, bilinear upsampling, the variance term of the mask loss and the η-balanced objective. Look at how binary and how spread out the masks are, and at the mask-mean-vs-λ diagnostic.',
    hash: '#compare=automix,samix',
    entries: methodsPreset(['automix', 'samix']),
  },
];
