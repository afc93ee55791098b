/**
 * Test helpers shared by every TF.js unit test (vitest, Node): pick a backend once per test file,
 * and assert that a function leaks no tensors (tfjs-examples' burn-in + numTensors idiom).
 * Test-only: production code never imports this module.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';

/** The default test backend: `wasm`, or `cpu` when the environment sets `TF_TEST_BACKEND=cpu`. */
function defaultBackend(): 'wasm' | 'cpu' {
  return process.env.TF_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm';
}

/**
 * Selects and initialises a TF.js backend for the current test file (call it in `beforeAll`).
 * `wasm` is the fast default under Node (no `setWasmPaths` needed there); `cpu` is pure JS.
 * Without an argument, `TF_TEST_BACKEND=cpu` switches a whole run to the cpu backend.
 */
export async function initTestBackend(name: 'wasm' | 'cpu' = defaultBackend()): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`TF.js backend "${name}" could not be initialised`);
  await tf.ready();
}

/** Every tensor reachable from `value` through arrays and plain objects (typed arrays skipped). */
function collectTensors(value: unknown, out: tf.Tensor[]): void {
  if (value instanceof tf.Tensor) {
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out);
  } else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) collectTensors(v, out);
  }
}

/** Disposes every tensor found in `value` (a tensor, or arrays/objects holding tensors). */
export function disposeAll(value: unknown): void {
  const tensors: tf.Tensor[] = [];
  collectTensors(value, tensors);
  for (const t of tensors) if (!t.isDisposed) t.dispose();
}

/**
 * Runs `fn` `burnIn` times (disposing what it returns, so lazily created state such as optimizer
 * slots exists), then asserts that one more call followed by disposing its returned tensors leaves
 * `tf.memory().numTensors` unchanged. Synchronous functions only.
 */
export function expectNoLeak(fn: () => unknown, burnIn = 1): void {
  for (let i = 0; i < burnIn; i++) disposeAll(fn());
  const before = tf.memory().numTensors;
  disposeAll(fn());
  expect(tf.memory().numTensors).toBe(before);
}
