/**
 * Parameter plumbing of the hand-differentiated ops (fused.ts, mixerOp.ts): which tensors are the
 * op's parameter inputs, and how gradients by leaf become gradients of those inputs.
 *
 * A view tree of a `FlatNet` (flat.ts) has ONE input, the flat variable, and ONE gradient `[P]`
 * (the leaves' gradients flattened and concatenated in storage order; leaves the op did not use get
 * zeros). Any other tree has one input per trainable leaf. A non-trainable flat variable (the
 * momentum encoder) or `want: false` gives no inputs: nothing is differentiated.
 */
import * as tf from '@tensorflow/tfjs';
import { flatNetOf } from './flat';

export interface OpParams {
  inputs: tf.Tensor[];
  /**
   * Gradients of `inputs`, from gradients by leaf tensor; a leaf listed in `scales` has its gradient
   * multiplied by that factor (flat: one multiply of the whole vector by a cached constant).
   */
  gradients(byLeaf: Map<tf.Tensor, tf.Tensor>, scales?: Map<tf.Tensor, number>): tf.Tensor[];
}

/** The tensors under `roots` that get gradients (trainable variables and any other tensor). */
export function trainableLeaves(roots: unknown[]): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (node: unknown): void => {
    if (node instanceof tf.Tensor) {
      if (!(node instanceof tf.Variable) || node.trainable) out.push(node);
    } else if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node !== null && typeof node === 'object') {
      for (const v of Object.values(node)) walk(v);
    }
  };
  roots.forEach(walk);
  return [...new Set(out)];
}

/**
 * @param tree the parameter tree the op reads (a view tree or per-layer variables)
 * @param used the parts of `tree` the op reads (tree mode: their trainable leaves are the inputs)
 * @param want false when no parameter gradient is needed
 */
export function opParams(tree: object, used: unknown[], want: boolean): OpParams {
  const link = flatNetOf(tree);
  if (link) {
    if (!want || !link.net.params.trainable) return { inputs: [], gradients: () => [] };
    return {
      inputs: [link.net.params],
      gradients: (byLeaf, scales) => {
        const flat = tf.concat(
          link.net.layout.map((e, i) => {
            const d = byLeaf.get(link.leaves[i]);
            if (!d) return tf.zeros([e.size]);
            return d.rank === 1 ? d : tf.reshape(d, [-1]);
          }),
        );
        const byIndex = new Map<number, number>();
        link.leaves.forEach((leaf, i) => {
          const k = scales?.get(leaf);
          if (k !== undefined && k !== 1) byIndex.set(i, k);
        });
        return [byIndex.size === 0 ? flat : tf.mul(flat, link.net.leafScales(byIndex))];
      },
    };
  }
  const inputs = want ? trainableLeaves(used) : [];
  return {
    inputs,
    gradients: (byLeaf, scales) =>
      inputs.map((p) => {
        const got = byLeaf.get(p);
        if (!got) return tf.zerosLike(p);
        const g = got.rank === p.rank ? got : tf.reshape(got, p.shape); // flat matrix gradients
        const k = scales?.get(p) ?? 1;
        return k === 1 ? g : tf.mul(g, k);
      }),
  };
}
