/**
 * ERM ("Vanilla", docs/method.md): plain cross-entropy on un-mixed images. No mask.
 */
import type { MixMethod } from './types';

export const erm: MixMethod = {
  name: 'erm',
  label: 'ERM (no mixing)',
  kind: 'none',
  description: 'No mixing: plain cross-entropy on the original images.',
};
