/**
 * Batch normalisation with PyTorch semantics (docs/method.md): ε = 1e-5; moving statistics updated with
 * PyTorch momentum 0.1 (TF/Keras momentum 0.9) and the *unbiased* batch variance, as
 * `torch.nn.BatchNorm2d` does.
 *
 * Training mode normalises with the batch statistics (gradients flow through them); inference mode
 * with the moving statistics. Moving statistics are not assigned during the forward pass — that would
 * interfere with gradient recording — but collected as `BnUpdate`s (batch statistics kept alive with
 * `tf.keep`) and applied afterwards, in call order, by `applyBnUpdates`. A layer used twice in one
 * step (the k encoder, the Mixer's value net) is therefore updated twice, sequentially, like PyTorch.
 */
import * as tf from '@tensorflow/tfjs';
import { flatBnOf, type FlatNet, type Viewed } from './flat';
import type { FlatStatsUpdate } from './flatStats';
import type { BnParams } from './params';

export const BN_EPSILON = 1e-5;
/** Keras-style momentum of the moving statistics (PyTorch momentum 0.1). */
export const BN_MOMENTUM = 0.9;

/** Batch statistics of one train-mode BN call, waiting to be folded into the moving statistics. */
export interface BnUpdate {
  /** The layer (its own variables, or a view of a network's flat storage, see flat.ts). */
  bn: BnParams | Viewed<BnParams>;
  /** Batch mean `[C]` (kept; disposed by `applyBnUpdates`). */
  mean: tf.Tensor1D;
  /** Biased batch variance `[C]` (kept). */
  variance: tf.Tensor1D;
  /** Number of values per channel the statistics were taken over (for the unbiased correction). */
  count: number;
}

/**
 * Batch statistics of every BN layer of one forward, packed in one tensor (the fused classifier op
 * records one of these per forward instead of one `BnUpdate` per layer).
 */
export interface PackedBnUpdate {
  /** The layers covered, in network order (consecutive layers of one network). */
  layers: Array<BnParams | Viewed<BnParams>>;
  /**
   * `[..groups, 2·ΣC]` (kept; disposed by `applyBnUpdates`): per layer its C batch means then its C
   * biased variances; the leading axes index groups of the batch normalised separately, applied in
   * order as consecutive updates.
   */
  stats: tf.Tensor;
  /** Values per channel per group, per layer (unbiased-variance correction). */
  counts: number[];
}

/** What train-mode forwards record. */
export type BnRecord = BnUpdate | PackedBnUpdate;

export interface BnOptions {
  /** Batch statistics (true) or moving statistics (false). */
  training: boolean;
  /**
   * Where train-mode calls record their statistics. Omit to leave the moving statistics untouched
   * (e.g. the extra saliency forward of PuzzleMix).
   */
  updates?: BnRecord[];
}

/**
 * Train-mode BN as one custom-gradient op with the closed-form backward
 * (x̂ = (x − μ)·r, r = 1/√(σ² + ε), M values per channel):
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·r·(dy − dβ/M − x̂·dγ/M)
 * — about a dozen kernels instead of the ~40 of TF.js's FusedBatchNorm + moments gradients. The
 * batch statistics are handed to `onStats` (forward only; they are not on the gradient path).
 */
function batchNormTrain<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onStats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): T {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(xi, axes); // [C], [C] (biased)
    onStats(mean as tf.Tensor1D, variance as tf.Tensor1D);
    const r = tf.rsqrt(tf.add(variance, BN_EPSILON)); // [C]
    save([xi, mean, r, g]);
    return {
      value: tf.batchNorm(xi, mean, variance, b, g, BN_EPSILON),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mu, rs, gs] = saved;
        const xhat = tf.mul(tf.sub(xs, mu), rs); // like x
        const dBeta = tf.sum(dy, axes); // [C]
        const dGamma = tf.sum(tf.mul(dy, xhat), axes); // [C]
        const centred = tf.sub(tf.sub(dy, tf.mul(dBeta, 1 / count)), tf.mul(xhat, tf.mul(dGamma, 1 / count))); // like x
        return [tf.mul(centred, tf.mul(gs, rs)), dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta) as T;
}

/**
 * Batch norm over every axis but the last.
 * @param x `[N, H, W, C]` or `[rows, C]`
 * @param bn the layer's parameters (`[C]` each)
 * @returns normalised, scaled and shifted `x`, same shape
 */
export function batchNorm<T extends tf.Tensor>(x: T, bn: BnParams | Viewed<BnParams>, opts: BnOptions): T {
  if (!opts.training) {
    return tf.batchNorm(x, bn.movingMean, bn.movingVar, bn.beta, bn.gamma, BN_EPSILON) as T;
  }
  const count = x.size / x.shape[x.rank - 1];
  return batchNormTrain(x, bn.gamma, bn.beta, (mean, variance) => {
    if (opts.updates) opts.updates.push({ bn, mean: tf.keep(mean), variance: tf.keep(variance), count });
  });
}

/** One moving-statistics update of a layer's own variables. */
function applyToLayer(
  bn: BnParams,
  mean: tf.Tensor,
  variance: tf.Tensor,
  count: number,
  momentum: number,
): void {
  const unbias = count > 1 ? count / (count - 1) : 1;
  bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, momentum), tf.mul(mean, 1 - momentum)) as tf.Tensor1D);
  bn.movingVar.assign(
    tf.add(tf.mul(bn.movingVar, momentum), tf.mul(variance, (1 - momentum) * unbias)) as tf.Tensor1D,
  );
}

function ownVariables(bn: BnParams | Viewed<BnParams>): BnParams {
  if (!(bn.movingMean instanceof tf.Variable) || !(bn.movingVar instanceof tf.Variable))
    throw new Error('BN layer without moving-statistics variables');
  return bn as BnParams;
}

/**
 * Folds recorded batch statistics into the moving statistics, in order, and disposes them:
 * moving ← 0.9·moving + 0.1·batch (variance: unbiased, ·count/(count−1)). Empties `updates`.
 * Layers that are views of a network's flat storage are updated there, all records of one network
 * together (a few kernels, see `FlatNet.applyStats`); other layers variable by variable.
 */
export function applyBnUpdates(updates: BnRecord[], momentum = BN_MOMENTUM): void {
  tf.tidy(() => {
    const flat = new Map<FlatNet<object>, FlatStatsUpdate[]>();
    const toFlat = (net: FlatNet<object>, u: FlatStatsUpdate): void => {
      const list = flat.get(net) ?? [];
      list.push(u);
      flat.set(net, list);
    };
    for (const u of updates) {
      if ('stats' in u) {
        const link = flatBnOf(u.layers[0]);
        if (link) {
          u.layers.forEach((b, i) => {
            const l = flatBnOf(b);
            if (l?.net !== link.net || l.layer !== link.layer + i)
              throw new Error('packed BN layers are not consecutive');
          });
          toFlat(link.net, { first: link.layer, stats: u.stats, counts: u.counts });
          continue;
        }
        const width = u.stats.shape[u.stats.rank - 1];
        const rows = tf.unstack(tf.reshape(u.stats, [u.stats.size / width, width]));
        const sizes = u.layers.flatMap((b) => [b.movingMean.size, b.movingMean.size]);
        for (const row of rows) {
          const parts = tf.split(row, sizes);
          u.layers.forEach((b, i) =>
            applyToLayer(ownVariables(b), parts[2 * i], parts[2 * i + 1], u.counts[i], momentum),
          );
        }
      } else {
        const link = flatBnOf(u.bn);
        if (link)
          toFlat(link.net, { first: link.layer, stats: tf.concat([u.mean, u.variance]), counts: [u.count] });
        else applyToLayer(ownVariables(u.bn), u.mean, u.variance, u.count, momentum);
      }
    }
    for (const [net, list] of flat) net.applyStats(list, momentum);
  });
  discardBnUpdates(updates);
}

/** Disposes recorded statistics without applying them (e.g. after a failed step). Empties `updates`. */
export function discardBnUpdates(updates: BnRecord[]): void {
  for (const u of updates) {
    if ('stats' in u) {
      u.stats.dispose();
    } else {
      u.mean.dispose();
      u.variance.dispose();
    }
  }
  updates.length = 0;
}
