/**
 * Parameter creation and bookkeeping for the hand-written networks.
 *
 * A network's parameters are a plain object tree whose leaves are `tf.Variable`s (other leaves —
 * strings, numbers — are structure, e.g. the Mixer kind). Every initial value is drawn from the
 * run's `Rng` (one seeded generator per run) and turned into a variable inside `tf.tidy`, so the initial tensor
 * does not outlive the variable. Variables get TF.js's automatic unique names;
 * a parameter's stable name is its path in the tree (`blocks.2.conv1`), see `namedVariables`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../lib/random';

/** A parameter with its path in the tree. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** BatchNorm parameters of one layer: γ, β (trainable) and the moving statistics (not trainable). */
export interface BnParams {
  /** Scale γ `[C]`, init 1. */
  gamma: tf.Variable<tf.Rank.R1>;
  /** Offset β `[C]`, init 0. */
  beta: tf.Variable<tf.Rank.R1>;
  /** Moving mean `[C]`, init 0 (non-trainable). */
  movingMean: tf.Variable<tf.Rank.R1>;
  /** Moving (unbiased) variance `[C]`, init 1 (non-trainable). */
  movingVar: tf.Variable<tf.Rank.R1>;
}

/** A fully connected layer: `y = x·w + b`. */
export interface DenseParams {
  /** Weight `[in, out]`. */
  w: tf.Variable<tf.Rank.R2>;
  /** Bias `[out]`. */
  b: tf.Variable<tf.Rank.R1>;
}

/**
 * A variable with N(0, std²) entries drawn from `rng` (row-major order of `shape`).
 * @param shape variable shape
 * @param std standard deviation
 */
export function normalVariable<R extends tf.Rank>(
  rng: Rng,
  shape: number[],
  std: number,
  trainable = true,
): tf.Variable<R> {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = rng.normalArray(n, std);
  return tf.tidy(() => tf.variable(tf.tensor(values, shape), trainable)) as unknown as tf.Variable<R>;
}

/** A variable filled with `value`. */
export function constantVariable<R extends tf.Rank>(
  shape: number[],
  value: number,
  trainable = true,
): tf.Variable<R> {
  return tf.tidy(() => tf.variable(tf.fill(shape, value), trainable)) as unknown as tf.Variable<R>;
}

/**
 * He-normal conv filter `[kh, kw, ci, co]`, std = √(2 / fan_out) with fan_out = kh·kw·co
 * (the mode mmcv's `kaiming_init` uses for the ResNets OpenMixup trains).
 */
export function heConv(rng: Rng, kh: number, kw: number, ci: number, co: number): tf.Variable<tf.Rank.R4> {
  return normalVariable<tf.Rank.R4>(rng, [kh, kw, ci, co], Math.sqrt(2 / (kh * kw * co)));
}

/** BatchNorm parameters for `c` channels: γ = 1, β = 0, moving mean 0, moving variance 1. */
export function bnParams(c: number): BnParams {
  return {
    gamma: constantVariable<tf.Rank.R1>([c], 1),
    beta: constantVariable<tf.Rank.R1>([c], 0),
    movingMean: constantVariable<tf.Rank.R1>([c], 0, false),
    movingVar: constantVariable<tf.Rank.R1>([c], 1, false),
  };
}

/** Dense layer `[ci, co]` with N(0, std²) weights and zero bias (OpenMixup heads: std 0.01). */
export function denseParams(rng: Rng, ci: number, co: number, std = 0.01): DenseParams {
  return { w: normalVariable<tf.Rank.R2>(rng, [ci, co], std), b: constantVariable<tf.Rank.R1>([co], 0) };
}

/**
 * All variables of a parameter tree, depth-first in key order, with their paths.
 * The order is deterministic, so two trees of the same structure line up entry by entry.
 */
export function namedVariables(tree: unknown, prefix = ''): NamedVariable[] {
  const out: NamedVariable[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node instanceof tf.Variable) {
      out.push({ name: path, variable: node });
    } else if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, path === '' ? String(i) : `${path}.${i}`));
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) walk(v, path === '' ? k : `${path}.${k}`);
    }
  };
  walk(tree, prefix);
  return out;
}

/** The trainable variables of a tree (γ, β, weights, biases — not BN moving statistics). */
export function trainableVariables(tree: unknown): tf.Variable[] {
  return namedVariables(tree)
    .map((e) => e.variable)
    .filter((v) => v.trainable);
}

/**
 * A structural copy of a tree whose variables hold copies of the values (bit-identical).
 * @param trainable `undefined` keeps each source variable's flag; a boolean overrides all of them.
 */
export function cloneParams<T>(tree: T, trainable?: boolean): T {
  const copy = (node: unknown): unknown => {
    if (node instanceof tf.Variable) {
      return tf.tidy(() => tf.variable(node.clone(), trainable ?? node.trainable));
    }
    if (Array.isArray(node)) return node.map(copy);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, copy(v)]));
    }
    return node;
  };
  return copy(tree) as T;
}

/** Disposes every variable of a tree. */
export function disposeParams(tree: unknown): void {
  for (const { variable } of namedVariables(tree)) variable.dispose();
}

/** Number of scalar parameters in a tree (optionally trainable ones only). */
export function countParams(tree: unknown, trainableOnly = true): number {
  return namedVariables(tree)
    .filter((e) => !trainableOnly || e.variable.trainable)
    .reduce((s, e) => s + e.variable.size, 0);
}

/** Flattens and concatenates tensors into one vector `[Σ size]` (a single vector is returned as is). */
export function flatConcat(ts: tf.Tensor[]): tf.Tensor1D {
  const parts = ts.map((t) => (t.rank === 1 ? t : tf.reshape(t, [-1]))) as tf.Tensor1D[];
  return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor1D);
}

/** Splits a flat vector back into tensors with `shapes` (vectors are not reshaped). */
export function splitFlat(flat: tf.Tensor1D, shapes: number[][]): tf.Tensor[] {
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  const parts = shapes.length === 1 ? [flat] : tf.split(flat, sizes);
  return parts.map((p, i) => (shapes[i].length === 1 ? p : tf.reshape(p, shapes[i])));
}
