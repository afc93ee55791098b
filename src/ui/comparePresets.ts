/**
 * Teaching presets for the Compare panel: each is a link (URL hash), a paragraph on what to look
 * for, the selection it fills in (methods, η values — still editable afterwards) and the curves it
 * talks about. `planSelection` turns a selection into the comparison's runs.
 */
import { LEARNED_METHODS, parseConfig, type MethodName, type RunConfig } from '../core/config';
import { planComparison } from '../compare/plan';
import type { CompareEntry } from '../compare/types';

/** Curves the Compare panel can overlay: test accuracy, or a Mixer loss term per step. */
export type CompareCurve = 'accuracy' | 'local' | 'global';

export interface ComparePreset {
  id: string;
  title: string;
  explain: string;
  /** Hash that opens the playground with this preset ready in the Compare panel. */
  hash: string;
  methods: MethodName[];
  /** η values the learned methods run with (one run per value); empty = the current η. */
  etas: number[];
  curves: CompareCurve[];
}

export const COMPARE_PRESETS: ComparePreset[] = [
  {
    id: 'mixup-cutmix-samix',
    title: 'Mixup vs CutMix vs SAMix on shapes',
    explain:
      'Same seed, data order and initial weights for all three. Watch the masks: Mixup blends whole images at a constant λ, CutMix pastes a random box whatever it covers, SAMix learns where to cut so both objects stay visible (the "object kept" column). Expect SAMix to cost about three ERM steps per step.',
    hash: '#dataset=shapes&compare=mixup,cutmix,samix',
    methods: ['mixup', 'cutmix', 'samix'],
    etas: [],
    curves: ['accuracy'],
  },
  {
    id: 'eta',
    title: 'η = 0 vs 0.5 vs 1',
    explain:
      'η weighs global discrimination (the mixed image must not look like the other classes) against local smoothness (the ratio between the two mixed classes). With η = 0 the Mixer only matches the ratio and may produce masks in which neither object is recognisable; larger η asks that the mix stay recognisable. Compare the local and global curves below, and the masks.',
    hash: '#compare=eta',
    methods: ['samix'],
    etas: [0, 0.5, 1],
    curves: ['local', 'global', 'accuracy'],
  },
  {
    id: 'automix-samix',
    title: 'AutoMix vs SAMix',
    explain:
      'Both learn masks with a Mixer on the momentum encoder. SAMix adds the λ encoding, a non-linear content network, bilinear upsampling, the variance term of the mask loss and the η-balanced objective. Look at how binary and how spread out the masks are, at the object-kept column and at the mask-mean-vs-λ diagnostic.',
    hash: '#compare=automix,samix',
    methods: ['automix', 'samix'],
    etas: [],
    curves: ['accuracy'],
  },
];

/**
 * The runs of a selection: every method over the seeds; with η values, each learned method once per
 * value (label `samix η=0.5`, plus ` s<seed>` with several seeds).
 */
export function planSelection(
  base: RunConfig,
  methods: MethodName[],
  seeds: number,
  etas: number[],
): CompareEntry[] {
  const plain = planComparison(base, methods, seeds);
  if (etas.length === 0) return plain;
  return plain.flatMap((e) => {
    if (!LEARNED_METHODS.includes(e.method)) return [e];
    return etas.map((eta) => ({
      ...e,
      label: `${e.method} η=${eta}${seeds > 1 ? ` s${e.seed}` : ''}`,
      config: parseConfig({ ...e.config, eta }),
    }));
  });
}

/** `0, 0.5, 1` → [0, 0.5, 1]; throws naming the value that is not an η in [0, 10]. */
export function parseEtaList(text: string): number[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return parts.map((p) => {
    const v = Number(p);
    if (!/^[0-9.]+$/.test(p) || !Number.isFinite(v) || v < 0 || v > 10)
      throw new Error(`η values must be numbers in [0, 10] separated by commas; got "${p}"`);
    return v;
  });
}
