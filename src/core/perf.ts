/**
 * Step sections for the benchmark's attribution of a step's time and kernels (`npm run bench`):
 * the step code marks where the work of each network begins; an observer installed with
 * `observeSections` sees every switch. Without an observer a mark costs one comparison.
 *
 * The backward of a closure runs after the closure returns, so the fused classifier op marks its own
 * backward with the section of its forward (`withSection`).
 */
import * as tf from '@tensorflow/tfjs';

export const SECTIONS = ['data', 'momentum', 'mixer', 'online', 'loss', 'optimizer'] as const;
/**
 * data: batch gather, draws, views of the flat storage; momentum: the momentum encoder's forwards
 * and backward; mixer: the Mixer's passes and their gradient, masks and mixing; online: the online
 * encoder and heads; loss: losses and metrics; optimizer: SGD, EMA, BN moving statistics.
 */
export type Section = (typeof SECTIONS)[number];

type Observer = (next: Section) => void;

let observer: Observer | null = null;
let current: Section = 'data';

/** Installs (or removes, with null) the observer of section switches. */
export function observeSections(o: Observer | null): void {
  observer = o;
  current = 'data';
}

/** The section work is attributed to right now. */
export function currentSection(): Section {
  return current;
}

/** True while an observer is installed. */
export function observingSections(): boolean {
  return observer !== null;
}

/** Marks the start of `s` (the end of the current section). */
export function section(s: Section): void {
  if (observer === null || s === current) return;
  current = s;
  observer(s);
}

/** Runs `fn` in section `s` and returns to the section that was current. */
export function withSection<T>(s: Section, fn: () => T): T {
  if (observer === null) return fn();
  const prev = current;
  section(s);
  try {
    return fn();
  } finally {
    section(prev);
  }
}

/**
 * Identity whose gradient marks section `s` (attributes the automatic backward of what produced `t`
 * to `s`). Without an observer `t` itself is returned: no kernel, no tape node.
 */
export function markBackward<T extends tf.Tensor>(t: T, s: Section): T {
  if (observer === null) return t;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: tf.clone(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      section(s);
      return dy;
    },
  }));
  return op(t) as T;
}
