/**
 * Which loss terms a step computed (pure: the page, the worker and the trainers share it).
 */
import type { StepLosses, StepPart } from './trainerTypes';

/**
 * The loss terms a one-sided step did not compute: a "Step Mixer only" has no classifier terms, a
 * "Step classifier only" no Mixer terms. They are NaN in its metrics (a gap in the charts, not a 0)
 * and the divergence check skips them.
 */
export function skippedTerms(part: StepPart | undefined): ReadonlySet<keyof StepLosses> {
  if (part === 'mixer') return new Set(['mixQ', 'oneQ']);
  if (part === 'classifier') return new Set(['local', 'global', 'mixer', 'mask', 'maskL1', 'maskVar']);
  return new Set();
}
