/**
 * The BN moving-statistics update of a network's flat storage (flat.ts): batch statistics recorded by
 * train-mode forwards folded into the one `[2S]` statistics variable with a few whole-vector kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { BnParams } from './params';

/** One BatchNorm layer of a flat network and where its statistics sit. */
export interface BnLayer {
  name: string;
  bn: BnParams;
  channels: number;
  /** Offset of the layer's means in the statistics vector (its variances follow). */
  offset: number;
}

/** A batch of moving-statistics updates for a contiguous range of one network's BN layers. */
export interface FlatStatsUpdate {
  /** First BN layer covered. */
  first: number;
  /** Statistics `[..groups, 2·ΣC]` of the covered layers: per layer its C means then C variances. */
  stats: tf.Tensor;
  /** Values per channel per group of every covered layer (unbiased-variance correction). */
  counts: number[];
}

/** What the statistics update needs of a flat network (`FlatNet` in flat.ts implements it). */
export interface FlatStatsTarget {
  readonly stats: tf.Variable<tf.Rank.R1> | null;
  readonly bnLayers: readonly BnLayer[];
  constant(key: string, make: () => Float32Array, shape: number[]): tf.Tensor;
  markDirty(): void;
}

/**
 * Folds batch statistics into the moving statistics, record after record (PyTorch order):
 * a record with G groups is G consecutive updates moving ← μ·moving + (1 − μ)·batch, the variance
 * unbiased (·n/(n − 1)). Does NOT dispose the records' tensors.
 * @param momentum μ (Keras convention, 0.9 = PyTorch momentum 0.1)
 */
export function applyFlatStats(net: FlatStatsTarget, updates: FlatStatsUpdate[], momentum: number): void {
  if (!net.stats || updates.length === 0) return;
  const total = net.stats.size;
  if (updates.length > 1 && updates.every((u) => u.stats.rank === 1)) {
    applyStacked(net, updates, momentum);
    return;
  }
  tf.tidy(() => {
    let cur: tf.Tensor = net.stats!;
    for (const u of updates) {
      const layers = net.bnLayers.slice(u.first, u.first + u.counts.length);
      const start = layers[0].offset;
      const len = layers.reduce((s, b) => s + 2 * b.channels, 0);
      if (u.stats.shape[u.stats.rank - 1] !== len)
        throw new Error(`BN statistics of length ${u.stats.shape[u.stats.rank - 1]} ≠ ${len}`);
      const groups = u.stats.size / len;
      const key = `${u.first}:${u.counts.join(',')}:${u.stats.shape.join('x')}:${momentum}`;
      const coef = net.constant(
        `c${key}`,
        () => {
          const out = new Float32Array(groups * len);
          for (let g = 0; g < groups; g++) {
            const w = (1 - momentum) * momentum ** (groups - 1 - g);
            let o = g * len;
            layers.forEach((b, l) => {
              const n = u.counts[l];
              const unbias = n > 1 ? n / (n - 1) : 1;
              for (let c = 0; c < b.channels; c++) out[o + c] = w;
              for (let c = 0; c < b.channels; c++) out[o + b.channels + c] = w * unbias;
              o += 2 * b.channels;
            });
          }
          return out;
        },
        u.stats.shape,
      );
      let add: tf.Tensor = tf.mul(u.stats, coef);
      if (u.stats.rank > 1)
        add = tf.sum(
          add,
          u.stats.shape.slice(0, -1).map((_, i) => i),
        ); // [len]
      const keepAll = momentum ** groups;
      let scaled: tf.Tensor;
      if (len === total) {
        scaled = tf.mul(cur, keepAll);
      } else {
        add = tf.pad(add, [[start, total - start - len]]);
        const keep = net.constant(
          `k${u.first}:${len}:${groups}:${momentum}`,
          () => {
            const k = new Float32Array(total).fill(1);
            k.fill(keepAll, start, start + len);
            return k;
          },
          [total],
        );
        scaled = tf.mul(cur, keep);
      }
      cur = tf.add(scaled, add);
    }
    net.stats!.assign(cur as tf.Tensor1D);
  });
  net.markDirty();
}

/**
 * `applyStats` for several single-group records (e.g. the momentum encoder's Z forward, then its
 * full forward) as ONE weighted sum: the moving statistics and every record (padded to the full
 * length) stacked `[1 + J, 2S]`, times a constant coefficient matrix holding the momentum products
 * of the sequential updates, summed over the stack — 3 kernels and a pad per partial record,
 * instead of 3–4 per record.
 */
function applyStacked(net: FlatStatsTarget, updates: FlatStatsUpdate[], momentum: number): void {
  const total = net.stats!.size;
  const spans = updates.map((u) => {
    const layers = net.bnLayers.slice(u.first, u.first + u.counts.length);
    const len = layers.reduce((s, b) => s + 2 * b.channels, 0);
    if (u.stats.size !== len) throw new Error(`BN statistics of length ${u.stats.size} ≠ ${len}`);
    return { start: layers[0].offset, len, layers };
  });
  const key = `m${updates.map((u) => `${u.first}:${u.counts.join(',')}`).join('|')}:${momentum}`;
  const rows = updates.length + 1;
  const coef = net.constant(key, () => {
    const out = new Float32Array(rows * total);
    const m = new Float64Array(rows * total); // products in double precision, rounded once
    m.fill(1, 0, total);
    updates.forEach((u, j) => {
      const { start, len, layers } = spans[j];
      for (let r = 0; r <= j; r++) for (let i = start; i < start + len; i++) m[r * total + i] *= momentum;
      let o = (j + 1) * total + start;
      layers.forEach((b, l) => {
        const n = u.counts[l];
        const unbias = n > 1 ? n / (n - 1) : 1;
        for (let c = 0; c < b.channels; c++) m[o + c] = 1 - momentum;
        for (let c = 0; c < b.channels; c++) m[o + b.channels + c] = (1 - momentum) * unbias;
        o += 2 * b.channels;
      });
    });
    out.set(m);
    return out;
  }, [rows, total]);
  tf.tidy(() => {
    const parts = updates.map((u, j) => {
      const { start, len } = spans[j];
      return len === total ? u.stats : tf.pad(u.stats, [[start, total - start - len]]);
    });
    const stacked = tf.stack([net.stats!, ...parts]); // [1 + J, 2S]
    net.stats!.assign(tf.sum(tf.mul(stacked, coef), 0) as tf.Tensor1D);
  });
  net.markDirty();
}
