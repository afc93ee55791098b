/**
 * The engine's two implementation choices, in one place:
 * - `graph`: which graph the fused training ops build (nets/fused.ts, maskFit.ts): `gpu` for
 *   webgl/webgpu, which are dispatch-bound (fewest kernels), `cpu` for wasm/cpu, which are
 *   bandwidth-bound (fewest slow kernels);
 * - `conv`: which implementation `conv2d` runs (nets/conv.ts): the backend's `native` op, `im2col`,
 *   or `corr` (gradients as forward convolutions: wasm has no Conv2DBackpropFilter).
 * `auto` follows the active backend. Training never sets them; tests and the benchmark override them
 * for a scope (`withEngine`, `overrideEngine`), so a choice cannot outlive the code that made it.
 */
import * as tf from '@tensorflow/tfjs';

export type FusedGraph = 'gpu' | 'cpu';
export type ConvMode = 'auto' | 'native' | 'im2col' | 'corr';

export interface EngineChoices {
  graph: FusedGraph | 'auto';
  conv: ConvMode;
}

let current: EngineChoices = { graph: 'auto', conv: 'auto' };

const onCpu = (): boolean => {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
};

/** The graph the fused ops build right now. */
export function activeFusedGraph(): FusedGraph {
  if (current.graph !== 'auto') return current.graph;
  return onCpu() ? 'cpu' : 'gpu';
}

/** The convolution `conv2d` runs right now (`auto`: `corr` on wasm and cpu, else native). */
export function activeConvMode(): Exclude<ConvMode, 'auto'> {
  if (current.conv !== 'auto') return current.conv;
  return onCpu() ? 'corr' : 'native';
}

/** Overrides some choices until the returned function is called (it puts the previous ones back). */
export function overrideEngine(choices: Partial<EngineChoices>): () => void {
  const before = current;
  current = { ...current, ...choices };
  return () => {
    current = before;
  };
}

/** Runs `fn` with some choices overridden; they are put back when it returns, throws or settles. */
export function withEngine<T>(choices: Partial<EngineChoices>, fn: () => T): T {
  const restore = overrideEngine(choices);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}
