import { describe, expect, it } from 'vitest';
import { BackendLostError, DeviceWatch, classifyBackendError } from './deviceWatch';

describe('classifyBackendError', () => {
  it.each([
    [new Error('A GPU device was lost'), 'deviceLost'],
    [new Error('WebGPU device lost (destroyed)'), 'deviceLost'],
    [new Error('WebGL context lost'), 'contextLost'],
    [new Error('WebGL Error: CONTEXT_LOST_WEBGL'), 'contextLost'],
    [new RangeError('Array buffer allocation failed'), 'oom'],
    [new Error('Failed to allocate 1073741824 bytes: out of memory'), 'oom'],
    [Object.assign(new Error('buffer too big'), { name: 'GPUOutOfMemoryError' }), 'oom'],
    [new Error('Cannot enlarge memory arrays'), 'oom'],
  ])('%s → %s', (e, kind) => {
    expect(classifyBackendError(e)?.kind).toBe(kind);
  });

  it.each([
    new Error('batch must be an integer in [2, 1024]; got 1'),
    new Error('loss is NaN at step 12'),
    new RangeError('Invalid array index'),
    'something else',
  ])('ordinary error %s is not a backend loss', (e) => {
    expect(classifyBackendError(e)).toBeNull();
  });
});

describe('DeviceWatch', () => {
  it('passes check() until a fault is injected, then throws a classified loss and keeps throwing', () => {
    const w = new DeviceWatch();
    const seen: string[] = [];
    w.onLost((l) => seen.push(l.kind));
    w.attach('cpu');
    expect(() => w.check()).not.toThrow();
    w.inject('oom');
    let caught: unknown = null;
    try {
      w.check();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BackendLostError);
    expect(w.classify(caught)).toEqual({ kind: 'oom', reason: (caught as Error).message });
    // The backend stays lost: the next step must not run either.
    expect(() => w.check()).toThrow(BackendLostError);
    expect(seen).toEqual([]); // errors inside a step are reported by the handler, not onLost
  });

  it('injects deviceLost / contextLost as errors on a backend without that mechanism', () => {
    for (const kind of ['deviceLost', 'contextLost'] as const) {
      const w = new DeviceWatch();
      w.attach('wasm');
      w.inject(kind);
      expect(() => w.check()).toThrow(BackendLostError);
      try {
        new DeviceWatch().check();
      } catch {
        throw new Error('a fresh watch must not throw');
      }
    }
  });

  it('does not treat ordinary errors as losses', () => {
    const w = new DeviceWatch();
    w.attach('wasm');
    expect(w.classify(new Error('loss exploded'))).toBeNull();
    expect(() => w.check()).not.toThrow();
  });
});

describe('DeviceWatch on WebGPU', () => {
  it('a failed readback of a destroyed device counts as device loss only on webgpu', () => {
    const abort = Object.assign(
      new Error(
        "Failed to execute 'mapAsync' on 'GPUBuffer': Buffer was unmapped before mapping was resolved.",
      ),
      { name: 'AbortError' },
    );
    const onWasm = new DeviceWatch();
    onWasm.attach('wasm');
    expect(onWasm.classify(abort)).toBeNull();
    const onGpu = new DeviceWatch();
    // attach('webgpu') would read tf.backend().device; set the backend the way attach does, without a GPU.
    (onGpu as unknown as { backend: string }).backend = 'webgpu';
    expect(onGpu.classify(abort)).toMatchObject({
      kind: 'deviceLost',
      reason: expect.stringMatching(/mapAsync/),
    });
  });
});

describe('DeviceWatch on WebGPU: ordinary errors', () => {
  it('a shader or validation error is not taken for a lost device', () => {
    const w = new DeviceWatch();
    (w as unknown as { backend: string }).backend = 'webgpu';
    expect(w.classify(new Error('GPUBuffer size 0 is invalid for createBuffer'))).toBeNull();
    expect(w.classify(new TypeError("Cannot read properties of null (reading '0')"))).toBeNull();
  });
});
