/**
 * The networks of a self-supervised run (docs/ssl.md): the online encoder f_q (ResNet-mini) with
 * its projector h_q (GAP → FC 8W→hidden → ReLU → FC hidden→dim, L2-normalised), the momentum copies
 * f_k, h_k (EMA of the online ones, never in a variable list), and for SAMix the Mixer M_φ on the k
 * encoder's stage `mixerStage`.
 *
 * Storage: encoder + first projector layer of q and of k are flat (nets/flat.ts), so the fused
 * classifier op (nets/fused.ts) runs them with its hand-written backward — the projector's first FC
 * plays the op's linear "head" — and returns one flat gradient. The ReLU, the second FC and the
 * normalisation are ordinary TF.js ops (automatic differentiation). Initialisation draws from the
 * run `Rng` in a fixed order: f_q, FC1, FC2, then the Mixer.
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../config';
import { resnetFlops, mixerFlops, type ImageDims } from '../flops';
import type { Rng } from '../../lib/random';
import type { BnRecord } from '../nets/batchNorm';
import { emaPairs, type EmaPair } from '../nets/ema';
import type { ClassifierNet } from '../model';
import { FlatNet } from '../nets/flat';
import { fusedClassify, fusedStageFeatures, type ClassifierTree, type HeadName } from '../nets/fused';
import { buildMixer, type SamixMixerParams } from '../nets/mixer';
import { cloneParams, denseParams, disposeParams, type DenseParams } from '../nets/params';
import { buildResNet, resnetForward, stageWidths, type ResNetParams } from '../nets/resnet';
import { inversePermutation } from '../nets/permute';
import { l2Normalize } from './queue';

/** The part of an SSL network stored flat: the encoder and the projector's first layer. */
export interface SslBody {
  encoder: ResNetParams;
  fc1: DenseParams;
}

export interface SslNets {
  /** Online encoder + FC1 (flat, trainable). */
  q: FlatNet<ClassifierNet>;
  /** Online projector FC2 (own variables, trainable). */
  qFc2: DenseParams;
  /** Momentum encoder + FC1 (flat, non-trainable). */
  k: FlatNet<ClassifierNet>;
  kFc2: DenseParams;
  /** The Mixer (SSL SAMix only; own variables). */
  mixer: SamixMixerParams | null;
  /** k ← q pairs: the flat storages and FC2. */
  ema: EmaPair[];
  /** The per-layer trees (mirrors of the flat storage; for inference after `sync()`). */
  qBody: SslBody;
  kBody: SslBody;
}

/** A classifier tree whose "head" is the projector's FC1 (the fused op reads `heads.mix`). */
function asTree(body: SslBody): ClassifierNet {
  return { encoder: body.encoder, heads: { mix: body.fc1, one: body.fc1 } };
}

/** Builds the SSL networks (see the file comment for the draw order). */
export function buildSslNets(rng: Rng, cfg: RunConfig, channels: number): SslNets {
  const widths = stageWidths(cfg.width);
  const encoder = buildResNet(rng, channels, cfg.width);
  const fc1 = denseParams(rng, widths[3], cfg.projHidden, Math.sqrt(2 / widths[3]));
  const qFc2 = denseParams(rng, cfg.projHidden, cfg.projDim, Math.sqrt(1 / cfg.projHidden));
  const mixer =
    cfg.method === 'samix'
      ? (buildMixer(rng, 'samix', widths[cfg.mixerStage - 1]) as SamixMixerParams)
      : null;
  const qBody: SslBody = { encoder, fc1 };
  const kBody = cloneParams(qBody, false);
  const kFc2 = cloneParams(qFc2, false);
  const pairs = emaPairs(kBody, qBody); // trainable parameters, lined up by name
  const q = new FlatNet(
    asTree(qBody),
    pairs.map((p) => p.online),
    true,
  );
  const k = new FlatNet(
    asTree(kBody),
    pairs.map((p) => p.target),
    false,
  );
  const ema: EmaPair[] = [
    { target: k.params, online: q.params },
    { target: kFc2.w, online: qFc2.w },
    { target: kFc2.b, online: qFc2.b },
  ];
  return { q, qFc2, k, kFc2, mixer, ema, qBody, kBody };
}

export function disposeSslNets(n: SslNets): void {
  n.q.dispose();
  n.k.dispose();
  disposeParams([n.qBody, n.kBody, n.qFc2, n.kFc2, n.mixer]);
}

export interface EmbedOptions {
  bnUpdates?: BnRecord[];
  /** ∂/∂x (the Mixer objective differentiates through the frozen k network into the mask). */
  inputGrad?: boolean;
  /**
   * Shuffled BN (MoCo's "shuffle BN" on one device): the batch is normalised in `split` sub-batches
   * with their own statistics; with `shuffle` the rows are permuted before the split and put back
   * after, so a key's BN statistics are not those of its query's sub-batch.
   */
  split?: number;
  shuffle?: Int32Array;
}

/**
 * Train-mode L2-normalised projections of G batches of N images in one fused encoder op.
 * @param xs G batches `[N, H, W, C]`
 * @returns G embeddings `[N, D]`
 */
export function embed(
  body: ClassifierTree,
  fc2: DenseParams,
  xs: tf.Tensor4D[],
  o: EmbedOptions = {},
): tf.Tensor2D[] {
  const split = o.split ?? 1;
  const n = xs[0].shape[0];
  const perm = o.shuffle;
  const groups = xs.flatMap((x) => {
    const xp = perm ? (tf.gather(x, tf.tensor1d(perm, 'int32')) as tf.Tensor4D) : x;
    return split > 1 ? (tf.split(xp, split) as tf.Tensor4D[]) : [xp];
  });
  const h = fusedClassify(
    body,
    groups,
    groups.map((): HeadName => 'mix'),
    { bnUpdates: o.bnUpdates, inputGrad: o.inputGrad ?? false },
  ); // [G·split, N/split, hidden]
  const hidden = h.shape[2];
  const flat = tf.reshape(h, [xs.length * n, hidden]);
  const z = l2Normalize(tf.fused.matMul({ a: tf.relu(flat), b: fc2.w, bias: fc2.b }) as tf.Tensor2D); // [G·N, D]
  // (a 1-way tf.split has no gradient in TF.js 4.22: its SplitV gradient concatenates nothing)
  const outs = xs.length === 1 ? [z] : (tf.split(z, xs.length) as tf.Tensor2D[]);
  if (!perm) return outs;
  const inv = tf.tensor1d(inversePermutation(perm), 'int32');
  return outs.map((t) => tf.gather(t, inv) as tf.Tensor2D);
}

/** Stage-l features of the momentum encoder (train-mode BN, statistics not recorded). */
export function sslStageFeatures(k: ClassifierTree, x: tf.Tensor4D, stage: number): tf.Tensor4D {
  return fusedStageFeatures(k, x, stage);
}

/** Inference-mode GAP features of an encoder, L2-normalised (kNN monitor, linear probe). `[N, 8W]` */
export function frozenFeatures(encoder: ResNetParams, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => l2Normalize(resnetForward(encoder, x, { training: false }).pooled!));
}

/**
 * FLOPs of one SSL step (convention of flops.ts): online encoder + projector on view 1 (and on the
 * mixed batch) ×3; momentum keys of one view (plain MoCo) or both (mixing methods); SAMix adds two
 * stage-l forwards, the x_mb forward + input gradient (×2) and the Mixer (2 passes + 1 backward).
 */
export function sslStepFlops(cfg: RunConfig, d: ImageDims): number {
  const n = cfg.batch;
  const widths = stageWidths(cfg.width);
  const f = resnetFlops(d, cfg.width) + 2 * widths[3] * cfg.projHidden + 2 * cfg.projHidden * cfg.projDim;
  const mixing = cfg.method !== 'erm';
  let total = n * (3 * f * (mixing ? 2 : 1) + f * (mixing ? 2 : 1));
  if (cfg.method === 'samix') {
    total += n * (2 * resnetFlops(d, cfg.width, cfg.mixerStage) + 2 * f);
    total += n * 4 * mixerFlops(d, 'samix', cfg.width, cfg.mixerStage);
  }
  return total;
}
