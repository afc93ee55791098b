/**
 * Notices when the backend under a run dies: a WebGPU `GPUDevice.lost`, a WebGL context loss (the
 * `webglcontextlost` event and `gl.isContextLost()`), or an out-of-memory error thrown by a step.
 * The handler asks `check()` before every step and `classify()` for every error it catches; the
 * first loss is reported once through `onLost`, and the page then restarts the worker on another
 * backend (src/client/recovery.ts). `inject()` is the test-only fault hook (the handler accepts it only
 * when the page asked for test hooks, src/client/testHooks.ts): it triggers the real
 * mechanism where the browser has one (`device.destroy()`, `WEBGL_lose_context.loseContext()`),
 * otherwise it makes the next step throw an error that goes through the same classification.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../core/config';
import type { BackendLossKind, FaultKind } from './protocol';

export interface BackendLoss {
  kind: BackendLossKind;
  reason: string;
}

/** An error raised because the backend is gone (thrown by `check()`). */
export class BackendLostError extends Error {
  constructor(
    readonly kind: BackendLossKind,
    message: string,
  ) {
    super(message);
    this.name = 'BackendLostError';
  }
}

const OOM =
  /out of memory|OutOfMemory|allocation failed|failed to allocate|Cannot enlarge memory|Maximum memory size exceeded|Aborted\(OOM\)|Invalid typed array length|Array buffer allocation/i;
const DEVICE_LOST = /device (?:was |is |has been )?lost|device.*destroyed|GPUDevice.*lost/i;
const WEBGPU_OBJECT_FAILED = /AbortError: .*mapAsync|GPUDevice.*destroyed|Instance dropped/i;
const CONTEXT_LOST = /context (?:was |is )?lost|CONTEXT_LOST_WEBGL/i;

/**
 * Whether an error means the backend cannot continue: a lost device or context, or out of
 * memory (a RangeError from an allocation counts). Other errors (bad input, NaN) return null.
 */
export function classifyBackendError(e: unknown): BackendLoss | null {
  if (e instanceof BackendLostError) return { kind: e.kind, reason: e.message };
  const name = e instanceof Error ? e.name : '';
  const message = e instanceof Error ? e.message : String(e);
  const text = `${name}: ${message}`;
  if (name === 'GPUOutOfMemoryError' || OOM.test(text)) return { kind: 'oom', reason: message };
  if (CONTEXT_LOST.test(text)) return { kind: 'contextLost', reason: message };
  if (DEVICE_LOST.test(text)) return { kind: 'deviceLost', reason: message };
  return null;
}

/** The parts of the tfjs backends we watch (not in their public typings). */
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}
interface GlLike {
  isContextLost(): boolean;
  getExtension(name: 'WEBGL_lose_context'): { loseContext(): void } | null;
  canvas?: { addEventListener?(type: string, fn: (e: Event) => void): void };
}

function webGpuDevice(): GpuDeviceLike | null {
  const d = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  return d && typeof d.destroy === 'function' ? d : null;
}

function webGlContext(): GlLike | null {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: GlLike } }).gpgpu?.gl;
  return gl && typeof gl.isContextLost === 'function' ? gl : null;
}

const FAULT_MESSAGES: Record<BackendLossKind, (backend: string) => string> = {
  deviceLost: (b) => `GPU device lost (injected fault; ${b} has no GPUDevice to destroy)`,
  contextLost: (b) => `WebGL context lost (injected fault; ${b} has no WebGL context to lose)`,
  oom: () => 'Array buffer allocation failed: out of memory (injected fault)',
};

export class DeviceWatch {
  private backend: BackendName | null = null;
  private lost: BackendLoss | null = null;
  private pending: BackendLoss | null = null;
  private listeners: Array<(loss: BackendLoss) => void> = [];
  private gl: GlLike | null = null;

  /** Registers the callback told (once) when the backend is lost outside a step. */
  onLost(cb: (loss: BackendLoss) => void): void {
    this.listeners.push(cb);
  }

  /** Starts watching the active backend (call after `selectBackend`). */
  attach(backend: BackendName): void {
    this.backend = backend;
    this.gl = null;
    if (backend === 'webgpu') {
      const device = webGpuDevice();
      void device?.lost.then((info) => {
        // Only the device training runs on matters (a replaced backend's old device may go too).
        const current = tf.getBackend() === 'webgpu' ? webGpuDevice() : null;
        if (current !== device) {
          console.warn(
            `deviceWatch: ignoring the loss of a WebGPU device no longer in use (${info.message ?? ''})`,
          );
          return;
        }
        this.report({
          kind: 'deviceLost',
          reason: `WebGPU device lost (${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''})`,
        });
      });
    } else if (backend === 'webgl') {
      this.gl = webGlContext();
      this.gl?.canvas?.addEventListener?.('webglcontextlost', () =>
        this.report({ kind: 'contextLost', reason: 'WebGL context lost (webglcontextlost)' }),
      );
    }
  }

  private report(loss: BackendLoss): void {
    if (this.lost) return;
    this.lost = loss;
    for (const cb of this.listeners) cb(loss);
  }

  /** Throws a BackendLostError when the backend is gone or a fault was injected. */
  check(): void {
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      throw new BackendLostError(p.kind, p.reason);
    }
    if (!this.lost && this.gl?.isContextLost())
      this.report({ kind: 'contextLost', reason: 'WebGL context lost (gl.isContextLost())' });
    if (this.lost) throw new BackendLostError(this.lost.kind, this.lost.reason);
  }

  /** Classifies an error; a loss is remembered so every later step stops too. */
  classify(e: unknown): BackendLoss | null {
    // A step on a lost WebGL context fails with assorted messages ("Unable to create WebGLTexture").
    const contextGone = this.gl?.isContextLost()
      ? { kind: 'contextLost' as const, reason: 'WebGL context lost (gl.isContextLost())' }
      : null;
    // After device.destroy() a pending readback fails ("mapAsync … Buffer was unmapped") before
    // GPUDevice.lost resolves: on WebGPU such GPU-object errors mean the device is gone.
    const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const deviceGone =
      this.backend === 'webgpu' && WEBGPU_OBJECT_FAILED.test(text)
        ? { kind: 'deviceLost' as const, reason: `WebGPU device lost (a step failed: ${text})` }
        : null;
    const loss = classifyBackendError(e) ?? this.lost ?? contextGone ?? deviceGone;
    if (loss && !this.lost) this.lost = loss;
    return loss;
  }

  /** Test hook: the real mechanism where possible, else an injected error at the next step. */
  inject(kind: FaultKind): void {
    if (kind === 'crash') {
      // Uncaught (outside every handler), so the page sees the worker's `error` event.
      setTimeout(() => {
        throw new Error('Injected worker crash');
      }, 0);
      return;
    }
    if (kind === 'deviceLost' && this.backend === 'webgpu') {
      const device = webGpuDevice();
      if (device) return device.destroy();
    }
    if (kind === 'contextLost' && this.backend === 'webgl') {
      const ext = this.gl?.getExtension('WEBGL_lose_context');
      if (ext) return ext.loseContext();
    }
    this.pending = { kind, reason: FAULT_MESSAGES[kind](this.backend ?? 'this backend') };
  }
}
