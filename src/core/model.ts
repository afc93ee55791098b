/**
 * The networks of one supervised run (docs/method.md): the online classifier q (ResNet-mini f_q + heads
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
import type { Rng } from '../lib/random';
import type { BnRecord } from './nets/batchNorm';
import { emaPairs, type EmaPair } from './nets/ema';
import type { FlatNet, Viewed } from './nets/flat';
import { fusedClassify, fusedStageFeatures, type ClassifierTree, type HeadName } from './nets/fused';
import { buildHeads, linearHead, type HeadsParams } from './nets/heads';
import { isTaping } from './nets/kernels';
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

/** The networks' flat training storage (flat.ts): parameters and BN statistics as flat variables. */
export interface TrainNets {
  q: FlatNet<ClassifierNet>;
  k: FlatNet<ClassifierNet> | null;
  mixer: FlatNet<MixerParams> | null;
}

/**
 * The networks as the forwards read them: their own variables (`SlModel`), or views of the flat
 * training storage (`FlatNet.views()`, what a training step runs on).
 */
export interface ModelLike {
  q: ClassifierTree;
  k: ClassifierTree | null;
  mixer: MixerParams | Viewed<MixerParams> | null;
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
  bnUpdates?: BnRecord[];
  mixAtStage?: FeatureMix;
  /** Train mode: differentiate w.r.t. x (default true; false when x depends on nothing trainable). */
  inputGrad?: boolean;
  /** Train mode: differentiate w.r.t. the trainable parameters (default true). */
  paramGrads?: boolean;
}

/**
 * Logits of one head. Train mode runs the fused classifier op (nets/fused.ts), inference the
 * layer-by-layer forward with the moving statistics.
 * @param x `[N, H, W, C]` normalised images
 * @returns `[N, classes]`
 */
export function classify(
  net: ClassifierTree,
  x: tf.Tensor4D,
  head: HeadName,
  o: ClassifyOptions,
): tf.Tensor2D {
  if (o.training) {
    const logits = fusedClassify(net, [x], [head], o); // [1, N, classes]
    return tf.reshape(logits, [logits.shape[1], logits.shape[2]]);
  }
  const { pooled } = resnetForward(net.encoder, x, o); // [N, 8W]
  return linearHead(net.heads[head], pooled!);
}

/**
 * Train-mode logits of G batches of N images in ONE op: batch g is normalised with its own BN
 * statistics (exactly G separate forwards, moving statistics updated in order g = 0, 1, …) and read
 * by `heads[g]` (see nets/fused.ts).
 * @param xs the G batches `[N, H, W, C]` each
 * @returns logits `[G, N, classes]`
 */
export function classifyGroups(
  net: ClassifierTree,
  xs: tf.Tensor4D[],
  heads: HeadName[],
  o: Omit<ClassifyOptions, 'training'>,
): tf.Tensor3D {
  return fusedClassify(net, xs, heads, o);
}

/**
 * Stage-l feature map of an encoder (the Mixer's input Z), stopping the forward there. Outside a
 * gradient tape, train mode runs the fused forward (one packed BN record).
 * @returns `[N, h_l, w_l, C_l]`
 */
export function stageFeatures(
  net: ClassifierTree,
  x: tf.Tensor4D,
  stage: number,
  o: ClassifyOptions,
): tf.Tensor4D {
  if (o.training && !isTaping()) return fusedStageFeatures(net, x, stage, o);
  const { stages } = resnetForward(net.encoder, x, { ...o, stopAtStage: stage });
  return stages[stage - 1];
}
