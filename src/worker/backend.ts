/**
 * Backend selection that tells the truth. Order: WebGPU on a hardware adapter, WebGL on a hardware
 * renderer, wasm (with the trainable conv of src/core/nets/conv.ts), cpu. A software WebGPU adapter
 * (`isFallbackAdapter`, e.g. SwiftShader) or a software WebGL renderer is skipped in automatic mode
 * because wasm is faster than both; a forced backend is tried as asked, and when it cannot start
 * the automatic order takes over and the reason is reported.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../core/config';
import type { BackendInfo, SkippedBackend } from './protocol';

export const AUTO_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

interface Probe {
  ok: boolean;
  adapter: string;
  isSoftware: boolean;
  reason: string;
}

/** Minimal view of the WebGPU adapter API (not all lib.dom versions have `info`). */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

async function probeWebGpu(): Promise<Probe> {
  const gpu = (globalThis.navigator as unknown as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu)
    return {
      ok: false,
      adapter: '',
      isSoftware: false,
      reason: 'this browser has no WebGPU (navigator.gpu)',
    };
  let adapter: GpuAdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { ok: false, adapter: '', isSoftware: false, reason: `requestAdapter failed: ${String(e)}` };
  }
  if (!adapter) return { ok: false, adapter: '', isSoftware: false, reason: 'no WebGPU adapter available' };
  const info = adapter.info ?? {};
  const isSoftware = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter);
  const name =
    [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  return {
    ok: true,
    adapter: isSoftware ? `${name} (software fallback adapter)` : name,
    isSoftware,
    reason: isSoftware ? `the WebGPU adapter is a software fallback (${name}), slower than wasm` : '',
  };
}

function probeWebGl(): Probe {
  if (typeof OffscreenCanvas === 'undefined') {
    return { ok: false, adapter: '', isSoftware: false, reason: 'no OffscreenCanvas in this worker' };
  }
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return { ok: false, adapter: '', isSoftware: false, reason: 'WebGL2 is not available' };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(
      ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    );
    const isSoftware = /swiftshader|llvmpipe|software|basic render/i.test(renderer);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return {
      ok: true,
      adapter: renderer,
      isSoftware,
      reason: isSoftware ? `the WebGL renderer is software (${renderer}), slower than wasm` : '',
    };
  } catch (e) {
    return { ok: false, adapter: '', isSoftware: false, reason: `WebGL probe failed: ${String(e)}` };
  }
}

async function probe(name: BackendName): Promise<Probe> {
  if (name === 'webgpu') return probeWebGpu();
  if (name === 'webgl') return probeWebGl();
  if (name === 'wasm') return { ok: true, adapter: 'WebAssembly SIMD (CPU)', isSoftware: true, reason: '' };
  return { ok: true, adapter: 'JavaScript (CPU)', isSoftware: true, reason: '' };
}

/** Activates one backend; true only when tf really runs on it afterwards (no silent fallback). */
async function activate(name: BackendName): Promise<{ ok: boolean; reason: string }> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) {
      return { ok: false, reason: `tf.setBackend('${name}') did not start (active: ${tf.getBackend()})` };
    }
    return { ok: true, reason: '' };
  } catch (e) {
    return {
      ok: false,
      reason: `${name} failed to initialise: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

/**
 * Picks and activates a backend. With `forced`, that backend is tried first even if it is software;
 * otherwise (or if it fails) the automatic order skips software GPU adapters while a faster CPU
 * path exists.
 */
export async function selectBackend(forced: BackendName | null): Promise<BackendInfo> {
  const t0 = performance.now();
  const skipped: SkippedBackend[] = [];
  const chosen = (active: BackendName, p: { adapter: string; isSoftware: boolean }): BackendInfo => ({
    active,
    adapter: p.adapter,
    isSoftware: p.isSoftware,
    forced,
    skipped,
    initMs: performance.now() - t0,
  });
  if (forced) {
    const p = await probe(forced);
    if (p.ok) {
      const a = await activate(forced);
      if (a.ok) return chosen(forced, p);
      skipped.push({ backend: forced, reason: `forced backend could not start: ${a.reason}` });
    } else {
      skipped.push({ backend: forced, reason: `forced backend could not start: ${p.reason}` });
    }
  }
  for (const name of AUTO_ORDER) {
    if (name === forced) continue;
    const p = await probe(name);
    if (!p.ok || p.isSoftware) {
      if (name === 'webgpu' || name === 'webgl') {
        skipped.push({ backend: name, reason: p.reason });
        continue;
      }
    }
    const a = await activate(name);
    if (a.ok) return chosen(name, p);
    skipped.push({ backend: name, reason: a.reason });
  }
  throw new Error(
    `No TF.js backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`,
  );
}
