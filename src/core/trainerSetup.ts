/**
 * Assembly of a supervised run (`new Trainer(…)`, trainer.ts): the generator streams, the networks
 * with their flat training storage (flat.ts), the resident data, the optimisers and the EMA pair, and
 * for SAMix^P the frozen pre-trained Mixer.
 */
import type { ImageDataset } from '../data/types';
import { CROP_PADDING } from './augment';
import type { RunConfig } from './config';
import { METHODS } from './methods/registry';
import {
  buildModel,
  classifierVariables,
  mixerVariables,
  momentumPairs,
  type SlModel,
  type TrainNets,
} from './model';
import type { EmaPair } from './nets/ema';
import { FlatNet } from './nets/flat';
import { makeMixerOptimizer } from './nets/mixerOptimizer';
import { Sgd } from './nets/sgd';
import { Rng } from '../lib/random';
import { ResidentData } from './residentData';
import type { SlStateParts } from './trainerState';
import type { PretrainedMixer } from './weights/mixerBundle';
import type { MixerBundle } from './weights/mixerManifest';
import { pretrainedFor } from './weights/runExports';

/** SGD momentum of both optimisers (docs/method.md). */
export const SGD_MOMENTUM = 0.9;

export interface TrainerOptions {
  /** Seed of the probe generator; default: forked from the run generator after initialisation. */
  probeSeed?: number;
  /** SAMix^P (method samixp): the loaded, validated Mixer bundle (weights/mixerManifest.ts). */
  mixerBundle?: MixerBundle;
}

/** Everything a supervised trainer owns besides its configuration and counters. */
export interface SlRun extends SlStateParts {
  /** The networks' per-layer variables (mirrors of `nets`). */
  mirrors: SlModel;
  /** SAMix^P: the frozen pre-trained encoder + Mixer (null for other methods). */
  pretrained: PretrainedMixer | null;
  probeRng: Rng;
  ema: EmaPair[];
}

/**
 * Builds the pieces of a supervised run from a validated configuration.
 * @throws Error when the images are too small to crop, the bundle does not fit, or the method cannot run
 */
export function buildSlRun(cfg: RunConfig, data: ImageDataset, opts: TrainerOptions): SlRun {
  if (Math.min(data.height, data.width) <= CROP_PADDING && cfg.augment) {
    throw new Error(
      `images of ${data.height}×${data.width} px are too small for the ${CROP_PADDING}-px crop`,
    );
  }
  const pretrained = pretrainedFor(cfg, data, opts.mixerBundle); // first: a bad bundle allocates nothing
  // One generator per run, split into streams so that runs of different methods with the same seed
  // start from the same weights (the Mixer is drawn last) and see the same batches in the same order.
  const root = new Rng(cfg.seed);
  const m = buildModel(root.fork(), cfg, data);
  const dataRng = root.fork();
  const rng = root.fork();
  const forkedProbeRng = root.fork();
  const probeRng = opts.probeSeed !== undefined ? new Rng(opts.probeSeed) : forkedProbeRng;
  const resident = new ResidentData(data, { trainSize: cfg.trainSize, testSize: cfg.testSize });
  const q = new FlatNet(m.q, classifierVariables(m, cfg), true);
  const pairs = momentumPairs(m);
  const k = m.k
    ? new FlatNet(
        m.k,
        pairs.map((p) => p.target),
        false,
      )
    : null;
  if (k && k.layout.map((e) => e.name).join() !== q.layout.map((e) => e.name).join())
    throw new Error('momentum encoder and online classifier store different parameters');
  const mixer = m.mixer ? new FlatNet(m.mixer, mixerVariables(m), true) : null;
  const nets: TrainNets = { q, k, mixer };
  const sgd = { momentum: SGD_MOMENTUM, weightDecay: cfg.weightDecay };
  const optQ = new Sgd([q.params], sgd);
  const optMixer = mixer ? makeMixerOptimizer(cfg, [mixer.params]) : null;
  const ema = k ? [{ target: k.params, online: q.params }] : [];
  if (METHODS[cfg.method].kind === 'pixel' && !METHODS[cfg.method].makeMask) {
    throw new Error(`method ${cfg.method} has no makeMask`);
  }
  return { mirrors: m, pretrained, nets, rng, dataRng, probeRng, data: resident, optQ, optMixer, ema };
}
