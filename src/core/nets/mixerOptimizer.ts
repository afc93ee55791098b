/**
 * The Mixer's optimiser from the run configuration (docs/method.md): Adam (default) or SGD with
 * momentum 0.9, both with the run's weight decay, over the given (flat) variables.
 */
import type * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import { Adam, ADAM_DEFAULTS, type FlatOptimizer } from './adam';
import { Sgd } from './sgd';

export type { FlatOptimizer };

/** SGD momentum of both optimisers (docs/method.md). */
export const MIXER_SGD_MOMENTUM = 0.9;

export function makeMixerOptimizer(
  cfg: Pick<RunConfig, 'mixerOptimizer' | 'weightDecay'>,
  vars: tf.Variable[],
): FlatOptimizer {
  return cfg.mixerOptimizer === 'adam'
    ? new Adam(vars, { ...ADAM_DEFAULTS, weightDecay: cfg.weightDecay })
    : new Sgd(vars, { momentum: MIXER_SGD_MOMENTUM, weightDecay: cfg.weightDecay });
}

/** Length of the optimiser's flat slot (checkpoints): Adam keeps m, v and t; SGD one buffer. */
export function mixerSlotSize(opt: FlatOptimizer, params: number): number {
  return opt instanceof Adam ? opt.slotSize : params;
}
