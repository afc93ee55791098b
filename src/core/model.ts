/**
 * The networks of one supervised run (spec §1): the online classifier q (ResNet-mini f_q + heads
 * g_q^mix, g_q^one), and for the learned methods (AutoMix, SAMix) the momentum classifier k — a
 * frozen (non-trainable), bit-exact copy of q that only the EMA changes — and the Mixer M_φ on k's
 * stage `mixerStage`.
 *
 * Initialisation draws from the run `Rng` in a fixed order: f_q, then the heads, then the Mixer.
 */
import * as tf from '@tensorflow/tfjs';
import { LEARNED_METHODS, type RunConfig } from './config';
import type { ImageDataset } from '../data/types';
import { METHODS } from './methods/registry';
import type { Rng } from './random';
import type { BnUpdate } from './nets/batchNorm';
import { emaPairs, type EmaPair } from './nets/ema';
import { buildHeads, linearHead, type HeadsParams } from './nets/heads';
import { buildMixer, type MixerParams } from './nets/mixer';
import { cloneParams, disposeParams, trainableVariables } from './nets/params';
import { buildResNet, resnetForward, stageWidths, type FeatureMix, type ResNetParams } from './nets/resnet';

/** An encoder with its two linear heads. */
export interface ClassifierNet {
  encoder: ResNetParams;
  heads: HeadsParams;
}

export interface SlModel {
  /** Online classifier (trained by SGD). */
  q: ClassifierNet;
  /** Momentum classifier (EMA of q; never in an optimiser's variable list). Learned methods only. */
  k: ClassifierNet | null;
  /** The Mixer. Learned methods only. */
  mixer: MixerParams | null;
}

/** True for AutoMix / SAMix (Mixer, momentum encoder, two-closure step). */
export function isLearned(cfg: Pick<RunConfig, 'method'>): boolean {
  return LEARNED_METHODS.includes(cfg.method);
}

/** Builds every network of a run; see the file comment for the draw order. */
export function buildModel(
  rng: Rng,
  cfg: RunConfig,
  ds: Pick<ImageDataset, 'channels' | 'classes'>,
): SlModel {
  const widths = stageWidths(cfg.width);
  const encoder = buildResNet(rng, ds.channels, cfg.width);
  const heads = buildHeads(rng, widths[3], ds.classes.length);
  const q = { encoder, heads };
  if (!isLearned(cfg)) return { q, k: null, mixer: null };
  const mixer = buildMixer(rng, cfg.method === 'automix' ? 'automix' : 'samix', widths[cfg.mixerStage - 1]);
  return { q, k: cloneParams(q, false), mixer };
}

export function disposeModel(m: SlModel): void {
  disposeParams(m);
}

/** The head a method trains on clean images alone (`one`) or on mixed images (`mix`). */
export function usedHeads(cfg: Pick<RunConfig, 'method' | 'cleanCE'>): Array<keyof HeadsParams> {
  if (isLearned(cfg)) return ['mix', 'one'];
  if (METHODS[cfg.method].kind === 'none') return ['one'];
  return cfg.cleanCE ? ['mix', 'one'] : ['mix'];
}

/** The head evaluated as "q accuracy": `one` where it is trained, else `mix`. */
export function evalHead(cfg: Pick<RunConfig, 'method' | 'cleanCE'>): keyof HeadsParams {
  return usedHeads(cfg).includes('one') ? 'one' : 'mix';
}

/** θ_q ∪ the heads the method trains (the encoder optimiser's variable list). */
export function classifierVariables(m: SlModel, cfg: Pick<RunConfig, 'method' | 'cleanCE'>): tf.Variable[] {
  return [
    ...trainableVariables(m.q.encoder),
    ...usedHeads(cfg).flatMap((h) => trainableVariables(m.q.heads[h])),
  ];
}

/** φ (the Mixer optimiser's variable list; its BN moving statistics excluded). */
export function mixerVariables(m: SlModel): tf.Variable[] {
  return m.mixer ? trainableVariables(m.mixer) : [];
}

/** The EMA pairs k ← q (trainable parameters of the encoder and both heads). */
export function momentumPairs(m: SlModel): EmaPair[] {
  return m.k ? emaPairs(m.k, m.q) : [];
}

export interface ClassifyOptions {
  training: boolean;
  bnUpdates?: BnUpdate[];
  mixAtStage?: FeatureMix;
}

/**
 * Logits of one head.
 * @param x `[N, H, W, C]` normalised images
 * @returns `[N, classes]`
 */
export function classify(
  net: ClassifierNet,
  x: tf.Tensor4D,
  head: keyof HeadsParams,
  o: ClassifyOptions,
): tf.Tensor2D {
  const { pooled } = resnetForward(net.encoder, x, o); // [N, 8W]
  return linearHead(net.heads[head], pooled!);
}

/**
 * Stage-l feature map of an encoder (the Mixer's input Z), stopping the forward there.
 * @returns `[N, h_l, w_l, C_l]`
 */
export function stageFeatures(
  net: ClassifierNet,
  x: tf.Tensor4D,
  stage: number,
  o: ClassifyOptions,
): tf.Tensor4D {
  const { stages } = resnetForward(net.encoder, x, { ...o, stopAtStage: stage });
  return stages[stage - 1];
}
