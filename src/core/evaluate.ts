/**
 * Test accuracy of the online (q) and momentum (k) classifiers with inference-mode BN, in batches
 * over the resident test images, with ONE readback at the end (counts accumulate on the device).
 */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from './config';
import { accuracy } from './losses';
import { classify, evalHead, type SlModel } from './model';
import type { ResidentData } from './residentData';
import type { EvalResult } from './trainerTypes';

/** Test images per forward. */
export const EVAL_BATCH = 250;

/**
 * Accuracy of q (head `one`, or `mix` for baselines without it) and k (same head; NaN without k)
 * on the first `data.testCount` test images.
 */
export async function evaluateModel(
  model: SlModel,
  data: ResidentData,
  cfg: RunConfig,
  step: number,
): Promise<EvalResult> {
  const n = data.testCount;
  if (n === 0) return { step, testAccQ: NaN, testAccK: NaN };
  const head = evalHead(cfg);
  let correct: tf.Tensor1D = tf.zeros([2]); // [correct q, correct k]
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const end = Math.min(n, start + EVAL_BATCH);
    const next = tf.tidy(() => {
      const { x, y } = data.testSlice(start, end);
      const count = (net: SlModel['q'] | null): tf.Scalar =>
        net
          ? (tf.mul(accuracy(classify(net, x, head, { training: false }), y), end - start) as tf.Scalar)
          : tf.scalar(0);
      return tf.add(correct, tf.stack([count(model.q), count(model.k)])) as tf.Tensor1D;
    });
    correct.dispose();
    correct = next;
  }
  const [q, k] = await correct.data();
  correct.dispose();
  return { step, testAccQ: q / n, testAccK: model.k ? k / n : NaN };
}
