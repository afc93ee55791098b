/**
 * What a supervised run exports in the tfjs format, from its model and facts (the trainer's one-line
 * methods call these): the SAMix^P Mixer bundle (learned methods) and the online classifier's weights
 * (a model.json-style manifest + weights.bin).
 */
import { mixerSwitches, type RunConfig } from '../config';
import type { ImageDataset } from '../../data/types';
import { evalHead, isLearned, usedHeads, type SlModel } from '../model';
import type { MixerParams } from '../nets/mixer';
import type { ResNetParams } from '../nets/resnet';
import { PretrainedMixer, type MixerPieces } from './mixerBundle';
import { encodeNamedTensors, namedTensorsOf } from './tfjsWeights';
import type { WeightSpec } from './weightSpecs';
import type { MixerBundle } from './mixerManifest';

/** The Mixer bundle's pieces from a run's f_k encoder, Mixer, config and dataset (shared by SL and SSL). */
function mixerPieces(
  encoder: MixerPieces['encoder'],
  mixer: MixerPieces['mixer'],
  cfg: RunConfig,
  ds: ImageDataset,
  steps: number,
  scenario: MixerPieces['scenario'],
): MixerPieces {
  return {
    encoder,
    mixer,
    mixerStage: cfg.mixerStage,
    lamMulK: cfg.lamMulK,
    // As the run applied them (mixerSwitches: supervised SAMix only).
    mixerLocal: mixerSwitches({ ...cfg, scenario }).local,
    maskFit: mixerSwitches({ ...cfg, scenario }).fit,
    width: cfg.width,
    inputShape: [ds.height, ds.width, ds.channels],
    normalization: { mean: ds.mean, std: ds.std },
    sourceDataset: ds.name,
    steps,
    seed: cfg.seed,
    scenario,
  };
}

/** The Mixer bundle's pieces of a supervised SAMix/AutoMix run (f_k = the momentum classifier's encoder). */
export function slMixerPieces(model: SlModel, cfg: RunConfig, ds: ImageDataset, steps: number): MixerPieces {
  if (!isLearned(cfg) || !model.k || !model.mixer)
    throw new Error(
      `method ${cfg.method} has no Mixer to export; train samix or automix and export from that run`,
    );
  return mixerPieces(model.k.encoder, model.mixer, cfg, ds, steps, 'sl');
}

/**
 * The frozen pair of a samixp run (null for other methods). Built before anything else of the run,
 * so a bad bundle leaves nothing allocated.
 * @throws naming `mixerBundle` when the run has none, or the bundle field at fault
 */
export function pretrainedFor(
  cfg: RunConfig,
  ds: ImageDataset,
  bundle?: MixerBundle,
): PretrainedMixer | null {
  if (cfg.method !== 'samixp') return null;
  if (!bundle)
    throw new Error(
      `method samixp needs a pre-trained Mixer bundle (mixerBundle${cfg.mixerBundle ? ` "${cfg.mixerBundle}" was not loaded` : ' is empty'}): export one from a SAMix or AutoMix run first`,
    );
  return new PretrainedMixer(bundle, ds, { lamMargin: cfg.lamMargin, maskAdjust: cfg.maskAdjust });
}

/** The tfjs "model.json" of a classifier's weights (format: weights only, no topology). */
export interface ClassifierWeightsJson {
  format: 'samix-classifier';
  version: 1;
  generatedBy: string;
  /** ResNet-mini base width, input `[H, W, C]`, classes, and which head is the prediction head. */
  modelInfo: {
    width: number;
    inputShape: [number, number, number];
    classes: string[];
    head: 'mix' | 'one';
    method: string;
  };
  normalization: { mean: number[]; std: number[] };
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/**
 * The online classifier q (ResNet-mini + the heads the method trains) as model.json + weights.bin.
 * Names: `encoder.*` and `heads.<mix|one>.{w,b}`, BN moving statistics included.
 */
export async function classifierWeights(
  model: SlModel,
  cfg: RunConfig,
  ds: ImageDataset,
): Promise<{ modelJson: ClassifierWeightsJson; weightsBin: Uint8Array }> {
  const heads = usedHeads(cfg);
  const named = [
    ...namedTensorsOf(model.q.encoder, 'encoder'),
    ...heads.flatMap((h) => namedTensorsOf(model.q.heads[h], `heads.${h}`)),
  ];
  const { specs, data } = await encodeNamedTensors(named);
  return {
    modelJson: {
      format: 'samix-classifier',
      version: 1,
      generatedBy: 'SAMix Playground',
      modelInfo: {
        width: cfg.width,
        inputShape: [ds.height, ds.width, ds.channels],
        classes: [...ds.classes],
        head: evalHead(cfg),
        method: cfg.method,
      },
      normalization: { mean: [...ds.mean], std: [...ds.std] },
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    weightsBin: data,
  };
}

/** What an SSL run's networks offer for the bundle (ssl/model.ts `SslNets`). */
export interface SslMixerNets {
  k: { sync(): void };
  kBody: { encoder: ResNetParams };
  mixer: MixerParams | null;
}

/** The Mixer bundle's pieces of a self-supervised SAMix run (the momentum encoder f_k, synced first). */
export function sslMixerPieces(
  nets: SslMixerNets,
  cfg: RunConfig,
  ds: ImageDataset,
  steps: number,
): MixerPieces {
  if (!nets.mixer) throw new Error(`the SSL ${cfg.method} run has no Mixer to export; train SSL samix`);
  nets.k.sync();
  return mixerPieces(nets.kBody.encoder, nets.mixer, cfg, ds, steps, 'ssl');
}
