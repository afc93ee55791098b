/**
 * The compile-only part of a trainer's shader warm-up (`Trainer.warmup()`): on webgl/webgpu, one step
 * dispatched in the backend's compile-only mode, so that every program of the step compiles in
 * parallel without running.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * webgl/webgpu: runs `step` (one training step that disposes its own output) in the backend's
 * compile-only mode (TF.js `ENGINE_COMPILE_ONLY` / `WEBGPU_ENGINE_COMPILE_ONLY`), then waits for the
 * parallel compilation. Its results are garbage: the caller discards them with its saved state.
 * Other backends, or any failure: nothing (the real warm-up step compiles what is missing).
 */
export async function compileOnlyPass(step: () => void): Promise<void> {
  const name = tf.getBackend();
  const flag =
    name === 'webgpu' ? 'WEBGPU_ENGINE_COMPILE_ONLY' : name === 'webgl' ? 'ENGINE_COMPILE_ONLY' : null;
  if (!flag) return;
  try {
    tf.env().get(flag); // registered by the backend package (throws if it is not)
  } catch {
    return;
  }
  const backend = tf.backend() as unknown as {
    checkCompileCompletionAsync?: () => Promise<unknown>;
    getUniformLocations?: () => void;
  };
  try {
    tf.env().set(flag, true);
    try {
      step();
    } finally {
      tf.env().set(flag, false);
    }
    await backend.checkCompileCompletionAsync?.();
    backend.getUniformLocations?.();
  } catch {
    // Compile-only mode is an optimisation; the real warm-up step compiles whatever is left.
  }
}
