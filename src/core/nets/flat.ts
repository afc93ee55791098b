/**
 * Flat training storage of one network: its optimised parameters in ONE variable `[P]` and its BN
 * moving statistics in ONE variable `[2S]` (per BN layer, in tree order: the C means, then the C
 * variances). The optimiser, the EMA and the moving-statistics update then act on a few whole vectors
 * — a handful of kernels per step however many layers there are — instead of concatenating,
 * splitting and reshaping every parameter every step.
 *
 * The per-layer variables the network was built with stay as MIRRORS: evaluation, the probe,
 * checkpoints and tests read them; `sync()` copies the flat values into them on demand (the trainer
 * does it when its `model` is read), `reload()` copies edits back. During a step the networks run on
 * `views()`: the same tree with every optimised leaf replaced by a slice of the flat variable
 * (one split + one reshape per non-vector leaf). A view tree remembers its flat storage (symbol
 * properties, invisible to `namedVariables`), so the fused classifier op can return ONE flat
 * gradient and train-mode BN can record into the flat statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { applyFlatStats, type BnLayer, type FlatStatsUpdate } from './flatStats';
import { splitVector } from './kernels';
import { namedVariables, type BnParams } from './params';

/** A parameter tree with its variables replaced by tensors (views, or the variables themselves). */
export type Viewed<T> =
  T extends tf.Variable<infer R>
    ? tf.Tensor<R>
    : T extends ReadonlyArray<infer E>
      ? Array<Viewed<E>>
      : T extends object
        ? { [K in keyof T]: Viewed<T[K]> }
        : T;

/** On a view tree's root: its flat storage and the view of every layout entry, in layout order. */
export const FLAT_NET = Symbol('flatNet');
/** On a view tree's BN layer: its flat storage and its index among the network's BN layers. */
export const FLAT_BN = Symbol('flatBn');

export interface FlatNetLink {
  net: FlatNet<object>;
  leaves: tf.Tensor[];
}
export interface FlatBnLink {
  net: FlatNet<object>;
  layer: number;
}

/** The flat storage a view tree (or one of its BN layers) belongs to, if any. */
export function flatNetOf(tree: object): FlatNetLink | undefined {
  return (tree as { [FLAT_NET]?: FlatNetLink })[FLAT_NET];
}
export function flatBnOf(bn: object): FlatBnLink | undefined {
  return (bn as { [FLAT_BN]?: FlatBnLink })[FLAT_BN];
}

interface LayoutEntry {
  name: string;
  shape: number[];
  size: number;
  mirror: tf.Variable;
}

function isBnParams(node: unknown): node is BnParams {
  const o = node as Partial<BnParams> | null;
  return (
    o !== null &&
    typeof o === 'object' &&
    o.movingMean instanceof tf.Variable &&
    o.movingVar instanceof tf.Variable
  );
}

export class FlatNet<T extends object> {
  /** The per-layer variables (mirrors of the flat storage; current after `sync()`). */
  readonly tree: T;
  /** Optimised parameters `[P]`, in the order of the variable list given to the constructor. */
  readonly params: tf.Variable<tf.Rank.R1>;
  /** BN moving statistics `[2S]` (null without BN layers). */
  readonly stats: tf.Variable<tf.Rank.R1> | null;
  readonly layout: readonly LayoutEntry[];
  readonly bnLayers: readonly BnLayer[];
  private dirty = false;
  /** Constant coefficient vectors of the statistics update, by key (kept until dispose). */
  private readonly consts = new Map<string, tf.Tensor>();

  /**
   * @param tree the network's parameter tree (its variables become mirrors)
   * @param vars the leaves stored flat, in storage order (every other leaf stays as it is)
   * @param trainable flag of the flat parameter variable (false for the momentum encoder)
   */
  constructor(tree: T, vars: tf.Variable[], trainable: boolean) {
    if (vars.length === 0) throw new Error('FlatNet needs at least one variable');
    this.tree = tree;
    const names = new Map(namedVariables(tree).map((e) => [e.variable, e.name]));
    this.layout = vars.map((v) => {
      const name = names.get(v);
      if (name === undefined) throw new Error(`variable ${v.name} is not in the tree`);
      return { name, shape: v.shape, size: v.size, mirror: v };
    });
    this.params = tf.tidy(() =>
      tf.variable(tf.concat(vars.map((v) => tf.reshape(v, [-1]))), trainable),
    ) as tf.Variable<tf.Rank.R1>;
    const bn: BnLayer[] = [];
    let offset = 0;
    const walk = (node: unknown, path: string): void => {
      if (node instanceof tf.Variable || node === null || typeof node !== 'object') return;
      if (isBnParams(node)) {
        const channels = node.movingMean.size;
        bn.push({ name: path, bn: node, channels, offset });
        offset += 2 * channels;
        return;
      }
      for (const [k, v] of Object.entries(node)) walk(v, path === '' ? k : `${path}.${k}`);
    };
    walk(tree, '');
    this.bnLayers = bn;
    this.stats =
      bn.length === 0
        ? null
        : (tf.tidy(() =>
            tf.variable(tf.concat(bn.flatMap((b) => [b.bn.movingMean, b.bn.movingVar])), false),
          ) as tf.Variable<tf.Rank.R1>);
  }

  /** Size of the statistics vector, 2S. */
  get statsSize(): number {
    return this.stats ? this.stats.size : 0;
  }

  /**
   * The tree with every stored leaf replaced by its slice of `params` (1 split + 1 reshape per
   * non-vector leaf); BN layers keep their mirror moving statistics (views are for train-mode use).
   * Tensors belong to the caller's scope.
   * @param o.flatMatrices leave every rank-2 leaf (dense and head weights) as its flat slice — no
   *   reshape, and NOT the tree's shape: only for the ops that reshape those themselves (the fused
   *   classifier and Mixer ops, nets/fused.ts, nets/mixerOp.ts), where a leaf one op does not read
   *   then costs nothing
   */
  views(o: { flatMatrices?: boolean } = {}): Viewed<T> {
    const parts = splitVector(
      this.params,
      this.layout.map((e) => e.size),
    );
    const leaves = parts.map((p, i) => {
      const rank = this.layout[i].shape.length;
      return rank === 1 || (rank === 2 && o.flatMatrices) ? p : tf.reshape(p, this.layout[i].shape);
    });
    const byMirror = new Map<tf.Variable, tf.Tensor>(this.layout.map((e, i) => [e.mirror, leaves[i]]));
    const bnIndex = new Map<object, number>(this.bnLayers.map((b, i) => [b.bn, i]));
    const copy = (node: unknown): unknown => {
      if (node instanceof tf.Variable) return byMirror.get(node) ?? node;
      if (Array.isArray(node)) return node.map(copy);
      if (node !== null && typeof node === 'object') {
        const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, copy(v)]));
        const layer = bnIndex.get(node);
        if (layer !== undefined) Object.defineProperty(out, FLAT_BN, { value: { net: this, layer } });
        return out;
      }
      return node;
    };
    const root = copy(this.tree) as Viewed<T>;
    Object.defineProperty(root, FLAT_NET, { value: { net: this, leaves } });
    return root;
  }

  /** Marks the mirrors stale (after the flat storage changed). */
  markDirty(): void {
    this.dirty = true;
  }

  /** Copies the flat parameters and statistics into the mirror variables (if they changed). */
  sync(): void {
    if (!this.dirty) return;
    tf.tidy(() => {
      const parts = splitVector(
        this.params,
        this.layout.map((e) => e.size),
      );
      this.layout.forEach((e, i) => e.mirror.assign(tf.reshape(parts[i], e.shape)));
      if (this.stats) {
        const stats = splitVector(
          this.stats,
          this.bnLayers.flatMap((b) => [b.channels, b.channels]),
        );
        this.bnLayers.forEach((b, i) => {
          b.bn.movingMean.assign(stats[2 * i] as tf.Tensor1D);
          b.bn.movingVar.assign(stats[2 * i + 1] as tf.Tensor1D);
        });
      }
    });
    this.dirty = false;
  }

  /** Copies the mirror variables into the flat storage (after they were edited directly). */
  reload(): void {
    tf.tidy(() => {
      this.params.assign(tf.concat(this.layout.map((e) => tf.reshape(e.mirror, [-1]))) as tf.Tensor1D);
      if (this.stats) {
        this.stats.assign(
          tf.concat(this.bnLayers.flatMap((b) => [b.bn.movingMean, b.bn.movingVar])) as tf.Tensor1D,
        );
      }
    });
    this.dirty = false;
  }

  /**
   * A constant `[P]` vector: `scales` (by layout index) over that leaf's range, 1 elsewhere (the
   * per-leaf gradient factors of a hand-differentiated op, nets/opParams.ts). Cached.
   */
  leafScales(scales: Map<number, number>): tf.Tensor1D {
    const entries = [...scales].sort((a, b) => a[0] - b[0]);
    return this.constant(
      `s${entries.map(([i, k]) => `${i}:${k}`).join(',')}`,
      () => {
        const out = new Float32Array(this.params.size).fill(1);
        let offset = 0;
        const starts = this.layout.map((e) => ((offset += e.size), offset - e.size));
        for (const [i, k] of entries) out.fill(k, starts[i], starts[i] + this.layout[i].size);
        return out;
      },
      [this.params.size],
    ) as tf.Tensor1D;
  }

  /** A constant tensor cached under `key` until `dispose` (created by `make` the first time). */
  constant(key: string, make: () => Float32Array, shape: number[]): tf.Tensor {
    let t = this.consts.get(key);
    if (!t) {
      t = tf.keep(tf.tensor(make(), shape));
      this.consts.set(key, t);
    }
    return t;
  }

  /**
   * Folds batch statistics into the moving statistics, record after record (PyTorch order; see
   * flatStats.ts). Does NOT dispose the records' tensors.
   * @param momentum μ (Keras convention, 0.9 = PyTorch momentum 0.1)
   */
  applyStats(updates: FlatStatsUpdate[], momentum: number): void {
    applyFlatStats(this as FlatNet<object>, updates, momentum);
  }

  /** Frees the flat variables and constants (the mirrors belong to the tree's owner). */
  dispose(): void {
    this.params.dispose();
    this.stats?.dispose();
    for (const t of this.consts.values()) t.dispose();
    this.consts.clear();
  }
}
