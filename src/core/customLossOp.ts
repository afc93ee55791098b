/**
 * The wrapper that turns a loss forward into one custom-gradient op (lossOps.ts, maskOps.ts): the
 * forward runs outside the gradient tape and supplies its own gradient with respect to one input,
 * so a loss costs a few dozen kernels instead of a tape node per small op.
 */
import * as tf from '@tensorflow/tfjs';
import { isTaping } from './nets/kernels';
import { Saves } from './nets/saves';

export type LossForward<R> = (saves: Saves | null) => {
  value: tf.Tensor;
  side: R;
  grad: (dy: tf.Tensor) => tf.Tensor;
};

/**
 * Runs `forward` as a custom-gradient op of `x` when a tape records, else plainly. The side values
 * come back as tensors of the caller's scope.
 */
export function lossOp<R extends Record<string, tf.Tensor>>(
  x: tf.Tensor,
  forward: LossForward<R>,
): { value: tf.Tensor; side: R } {
  if (!isTaping()) {
    const r = forward(null);
    return { value: r.value, side: r.side };
  }
  let side: R | null = null;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    void args;
    const saves = new Saves();
    const r = forward(saves);
    for (const t of Object.values(r.side)) tf.keep(t);
    side = r.side;
    return {
      value: r.value,
      gradFunc: (dy: tf.Tensor) => {
        try {
          return tf.tidy(() => r.grad(dy));
        } finally {
          saves.release();
        }
      },
    };
  });
  const value = op(x);
  const own = Object.fromEntries(
    Object.entries(side!).map(([k, t]) => {
      const c = tf.clone(t);
      t.dispose();
      return [k, c];
    }),
  ) as R;
  return { value, side: own };
}
