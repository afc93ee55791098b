/**
 * Tensors made inside a gradient closure die with it unless kept. The step functions keep the values
 * they report (losses, masks, statistics) with `keepAll` and dispose the list once they are read.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Keeps `ts` alive past the enclosing `tf.tidy` / gradient closure and appends them to `into` for
 * disposal; `undefined` entries (terms a step did not compute) are skipped.
 * @returns the first tensor, so a kept value can be assigned where it is made
 */
export function keepAll<T extends tf.Tensor>(into: tf.Tensor[], ...ts: Array<T | undefined>): T {
  for (const t of ts) if (t) into.push(tf.keep(t));
  return ts[0] as T;
}
