/**
 * Momentum ("k") encoder bookkeeping (docs/method.md): θ_k ← m·θ_k + (1 − m)·θ_q after every optimiser
 * step, θ_k initialised as a bit-exact copy of θ_q.
 *
 * Choice (docs/method.md): like OpenMixup (PyTorch `.parameters()`), the EMA covers the
 * TRAINABLE parameters only — conv/FC weights and biases, BN γ/β. The BN moving statistics of the k
 * network are not averaged; they are updated by k's own train-mode forwards (the Z forward and the
 * x_mb forward of the Mixer objective), exactly as in the reference code.
 *
 * The update is one fused computation over all parameters: concatenate, blend, split, assign — a
 * handful of kernels per step however many layers there are. The trainer's k and q parameters are
 * ONE flat variable each (flat.ts): one pair, 3 kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { flatConcat, namedVariables, splitFlat } from './params';

/** A target/online variable pair of identical shape. */
export interface EmaPair {
  target: tf.Variable;
  online: tf.Variable;
}

/**
 * Lines up two parameter trees of the same structure and returns the pairs the EMA updates: those
 * whose ONLINE variable is trainable (BN moving statistics are skipped).
 */
export function emaPairs(targetTree: unknown, onlineTree: unknown): EmaPair[] {
  const t = namedVariables(targetTree);
  const o = namedVariables(onlineTree);
  if (t.length !== o.length) throw new Error(`EMA trees differ: ${t.length} vs ${o.length} variables`);
  const pairs: EmaPair[] = [];
  for (let i = 0; i < t.length; i++) {
    if (t[i].name !== o[i].name) throw new Error(`EMA trees differ at ${t[i].name} / ${o[i].name}`);
    if (o[i].variable.trainable) pairs.push({ target: t[i].variable, online: o[i].variable });
  }
  return pairs;
}

/**
 * In-place EMA: target ← m·target + (1 − m)·online for every pair.
 * @param m momentum in [0, 1] (m = 1 leaves the target unchanged, m = 0 copies the online values)
 */
export function emaUpdate(pairs: EmaPair[], m: number): void {
  if (pairs.length === 0) return;
  tf.tidy(() => {
    const t = flatConcat(pairs.map((p) => p.target)); // [P]
    const o = flatConcat(pairs.map((p) => p.online)); // [P]
    const blended = tf.add(o, tf.mul(tf.sub(t, o), m)) as tf.Tensor1D; // o + m·(t − o) = m·t + (1 − m)·o
    const parts = splitFlat(
      blended,
      pairs.map((p) => p.target.shape),
    );
    pairs.forEach((p, i) => p.target.assign(parts[i]));
  });
}

/** Copies the online values into the targets (initialisation k ← q; bit-exact). */
export function emaCopy(pairs: EmaPair[]): void {
  tf.tidy(() => {
    for (const p of pairs) p.target.assign(p.online);
  });
}
