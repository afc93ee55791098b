import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { runSelfCheck } from './selfCheck';

describe('backend self-check', () => {
  beforeAll(() => initTestBackend());

  it('passes every check on the test backend, against the cpu reference, and leaks nothing', async () => {
    await runSelfCheck({ methods: ['erm', 'samix'] }); // creates the engine's cached constants
    const before = tf.memory().numTensors;
    const seen: string[] = [];
    const results = await runSelfCheck({ methods: ['erm', 'samix'] }, (r) => seen.push(r.name));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(seen).toEqual(results.map((r) => r.name));
    const names = results.map((r) => r.name).join('\n');
    expect(names).toMatch(/η-balanced loss equals its worked table/);
    expect(names).toMatch(/samix: same seed/);
    if (tf.getBackend() !== 'cpu') expect(names).toMatch(/samix: first 2 steps agree with the cpu backend/);
    expect(tf.getBackend()).toBe(process.env.TF_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails the parity check when the reference computes something else', async () => {
    // A reference backend with a deliberately wrong kernel: register a broken Softplus on cpu only.
    const kernel = tf.getKernel('Softplus', 'cpu')!;
    tf.unregisterKernel('Softplus', 'cpu');
    tf.registerKernel({
      ...kernel,
      kernelFunc: (args) => {
        const out = kernel.kernelFunc(args) as tf.TensorInfo;
        const backend = args.backend as { data: { get(id: object): { values: Float32Array } } };
        const v = backend.data.get(out.dataId).values;
        for (let i = 0; i < v.length; i++) v[i] += 0.5;
        return out;
      },
    });
    try {
      const results = await runSelfCheck({ methods: ['samix'] });
      const parity = results.find((r) => r.name.includes('agree with the cpu backend'));
      if (tf.getBackend() !== 'cpu') expect(parity?.ok).toBe(false);
    } finally {
      tf.unregisterKernel('Softplus', 'cpu');
      tf.registerKernel(kernel);
    }
  });
});
