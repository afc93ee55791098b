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
  /** Gradients of `inputs`, from gradients by leaf tensor. */
  gradients(byLeaf: Map<tf.Tensor, tf.Tensor>): tf.Tensor[];
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
      gradients: (byLeaf) => [
        tf.concat(
          link.net.layout.map((e, i) => {
            const d = byLeaf.get(link.leaves[i]);
            if (!d) return tf.zeros([e.size]);
            return d.rank === 1 ? d : tf.reshape(d, [-1]);
          }),
        ),
      ],
    };
  }
  const inputs = want ? trainableLeaves(used) : [];
  return { inputs, gradients: (byLeaf) => inputs.map((p) => byLeaf.get(p) ?? tf.zerosLike(p)) };
}
