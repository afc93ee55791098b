/**
 * The train-mode classifier — ResNet-mini and its linear heads — as ONE custom-gradient op with a
 * hand-written backward (the hot path of every training step).
 *
 * Why: built from TF.js ops with automatic differentiation, every kernel of the forward records a
 * tape node, clones the tensors its gradient needs (an `Identity` kernel each) and runs its own
 * gradient kernels — about 70 kernels per conv-BN-ReLU unit. Here the forward (fusedForward.ts) runs
 * outside the tape, keeps exactly what the backward needs, and the backward (fusedBackward.ts) is
 * written out:
 *   x̂ = (c − μ)·r,  dβ = Σ dy,  dγ = Σ dy·x̂,  dc = γ·r·(dy − dβ/M − x̂·dγ/M).
 *
 * Two graphs of the same math, chosen by backend (`FusedGraph`):
 * - `gpu` (webgl, webgpu — dispatch-bound): fewest kernels. Statistics by Mean/SquaredDifference,
 *   normalisation by one `FusedBatchNorm` kernel, and its backward as two more of them used as affine
 *   maps: x̂·dγ/M = FBN(c; μ, σ², scale dγ/M), dc = FBN(dy − that; dβ/M, σ², scale γ).
 *   A unit costs about 6 kernels forward and 9 backward (conv gradients native).
 * - `cpu` (wasm, cpu — bandwidth-bound): fewest slow kernels. On wasm `FusedBatchNorm` (a square
 *   root per element), `Sum`/`Mean` over the outer axes and broadcasting binary ops are 5–20× slower
 *   than the XNNPACK kernels, so channel means are average pools over the image, and every
 *   per-channel affine map (BN with its ReLU; the backward's dy·γr and x̂·k + b) is a fused 1×1
 *   depthwise convolution with bias and activation. More kernels, a fifth of the time.
 *
 * Groups: the op classifies G batches of N images, each normalised with its OWN BN statistics and
 * read by its own head — exactly G forwards of PyTorch's module (same statistics, moving statistics
 * updated in group order). The gpu graph runs them as one batch of G·N images (one conv per layer,
 * per-group statistics); the cpu graph gains nothing from that and runs them one after the other.
 *
 * Parameters: a view tree of a `FlatNet` (flat.ts) makes the op's parameter input the flat variable
 * itself, so its gradient is ONE `[P]` vector (one concat, one multiply by the leaves' scales — BN
 * gradients are computed as means, see fusedBackward.ts) ready for the optimiser; any other tree
 * gets one gradient per trainable leaf. Non-trainable parameters (the momentum encoder) and inputs
 * that need no gradient (`inputGrad: false`) are not inputs of the op, so nothing is computed for
 * them. BN statistics are recorded as one packed record per group (`PackedBnUpdate`).
 */
import * as tf from '@tensorflow/tfjs';
import { runBackward, type Backward } from './fusedBackward';
import {
  runForward,
  type ClassifierTree,
  type Forward,
  type FusedOptions,
  type HeadName,
  type T3,
  type T4,
} from './fusedForward';
import { activeFusedGraph, type FusedGraph } from './engine';
import { isTaping } from './kernels';
import { currentSection, withSection } from '../perf';
import { opParams } from './opParams';
import { flushSaves, Saves } from './saves';

export type { ClassifierTree, FusedOptions, HeadName } from './fusedForward';
export { activeFusedGraph, type FusedGraph } from './engine';

/**
 * Frees what forwards kept for backwards that never ran (an op whose output did not reach the
 * differentiated value). The trainer calls it after every step. @returns tensors freed
 */
export function flushFusedSaves(): number {
  return flushSaves();
}

/** Forward of all groups: one batch (gpu graph) or one forward per group (cpu graph). */
function forwardGroups(
  graph: FusedGraph,
  net: ClassifierTree,
  xs: T4[],
  heads: HeadName[],
  o: FusedOptions,
  saves: Saves | null,
): { runs: Forward[]; logits: T3 } {
  if (graph === 'gpu' || xs.length === 1) {
    let x = xs.length === 1 ? xs[0] : (tf.concat(xs) as T4);
    // The input belongs to the caller and may be freed before the backward: keep a clone.
    if (saves && xs.length === 1) x = saves.keep(tf.clone(x));
    else if (saves) saves.keep(x);
    const f = runForward(graph, net, x, heads, xs.length, o, saves);
    return { runs: [f], logits: f.logits! };
  }
  const runs = xs.map((x, g) =>
    runForward(graph, net, saves ? saves.keep(tf.clone(x)) : x, [heads[g]], 1, o, saves),
  );
  return { runs, logits: tf.concat(runs.map((f) => f.logits!)) as T3 };
}

/**
 * Train-mode logits of a classifier for G batches of N images, batch g normalised with its own BN
 * statistics and read by `heads[g]`, as one custom-gradient op (see the file comment).
 * @param xs G batches `[N, H, W, C]`
 * @returns `[G, N, classes]`
 */
export function fusedClassify(net: ClassifierTree, xs: T4[], heads: HeadName[], o: FusedOptions = {}): T3 {
  const G = heads.length;
  if (xs.length !== G) throw new Error(`${xs.length} batches for ${G} heads`);
  const graph = activeFusedGraph();
  const params = opParams(net, [net.encoder, ...heads.map((k) => net.heads[k])], o.paramGrads !== false);
  const wantP = params.inputs.length > 0;
  const wantX = o.inputGrad !== false;
  if (!isTaping() || (!wantP && !wantX)) return forwardGroups(graph, net, xs, heads, o, null).logits;
  const inputs = [...(wantX ? xs : []), ...params.inputs];
  const sec = currentSection(); // the backward is attributed to the forward's section (perf.ts)
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    void args;
    const saves = new Saves();
    const { runs, logits } = forwardGroups(graph, net, xs, heads, o, saves);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor) =>
        withSection(sec, () =>
          tf.tidy(() => {
            try {
              const g: Backward = { params: new Map(), scales: new Map() };
              const dys = runs.length === 1 ? [dy as T3] : (tf.split(dy, runs.length) as T3[]);
              const dxs = runs.map((f, i) =>
                runBackward(graph, f, net, runs.length === 1 ? heads : [heads[i]], dys[i], wantX, wantP, g),
              );
              const grads: tf.Tensor[] = [];
              if (wantX) {
                if (runs.length === 1 && G > 1) grads.push(...tf.split(dxs[0]!, G));
                else grads.push(...(dxs as T4[]));
              }
              grads.push(...params.gradients(g.params, g.scales));
              return grads;
            } finally {
              saves.release();
            }
          }),
        ),
    };
  });
  return op(...inputs) as T3;
}

/**
 * Train-mode stage-`stage` features of an encoder (no gradient; for the Mixer's input Z), recording
 * BN statistics as one packed record.
 * @returns `[N, h_l, w_l, C_l]`
 */
export function fusedStageFeatures(
  net: ClassifierTree,
  x: T4,
  stage: number,
  o: Pick<FusedOptions, 'bnUpdates'> = {},
): T4 {
  const f = runForward(activeFusedGraph(), net, x, null, 1, { ...o, stopAtStage: stage }, null);
  return f.stages[stage - 1];
}
