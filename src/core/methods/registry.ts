/**
 * The method registry (rule R7, docs/architecture.md): every mixing method behind one interface, keyed by its
 * config name. Drives the method dropdown, the trainer's dispatch and the per-method e2e loop.
 */
import { METHOD_NAMES, type MethodName } from '../config';
import { automix } from './automix';
import { cutmix } from './cutmix';
import { erm } from './erm';
import { fmix } from './fmix';
import { manifoldmix } from './manifoldmix';
import { mixup } from './mixup';
import { puzzlemix } from './puzzlemix';
import { resizemix } from './resizemix';
import { saliencymix } from './saliencymix';
import { samix } from './samix';
import { samixp } from './samixp';
import type { MixMethod } from './types';

export const METHODS: Record<MethodName, MixMethod> = {
  erm,
  mixup,
  cutmix,
  manifoldmix,
  fmix,
  saliencymix,
  resizemix,
  puzzlemix,
  automix,
  samix,
  samixp,
};

/** The method registered under `name`; throws (listing the known names) for an unknown one. */
export function getMethod(name: string): MixMethod {
  if (!(METHOD_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown method "${name}"; known: ${METHOD_NAMES.join(', ')}`);
  }
  return METHODS[name as MethodName];
}
