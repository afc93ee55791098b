/**
 * Tensors a custom-gradient op keeps from its forward for its backward (instead of TF.js's `save`,
 * which clones each one with an `Identity` kernel). The backward releases them; a backward that never
 * runs (an op whose output did not reach the differentiated value) leaves them to `flushSaves`,
 * which the trainer calls after every step.
 */
import * as tf from '@tensorflow/tfjs';

export class Saves {
  private static live = new Set<Saves>();
  private kept: tf.Tensor[] = [];

  constructor() {
    Saves.live.add(this);
  }

  /** Keeps `t` (survives the forward's scope) until `release`. */
  keep<T extends tf.Tensor>(t: T): T {
    this.kept.push(tf.keep(t));
    return t;
  }

  release(): void {
    for (const t of this.kept) t.dispose();
    this.kept = [];
    Saves.live.delete(this);
  }

  /** Releases every live set. @returns tensors freed */
  static flush(): number {
    let n = 0;
    for (const s of [...Saves.live]) {
      n += s.kept.length;
      s.release();
    }
    return n;
  }
}

/** Frees what forwards kept for backwards that never ran. @returns tensors freed */
export function flushSaves(): number {
  return Saves.flush();
}
