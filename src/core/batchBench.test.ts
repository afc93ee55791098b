import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { timeAssembly } from './batchBench';
import { tinyDataset } from './testDatasets';

describe('timeAssembly (npm run bench)', () => {
  beforeAll(() => initTestBackend());

  it('reports assembly and SAMix step times from a fake clock and leaks no tensors', async () => {
    const ds = tinyDataset({ train: 20, test: 8 });
    let t = 0;
    const now = (): number => (t += 1); // every reading advances the clock by 1 ms
    const before = tf.memory().numTensors;
    const r = await timeAssembly(ds, { batch: 4, width: 4, steps: 2, rounds: 2, perRound: 3, now });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.resident).toBe(20);
    // A round reads the clock twice (start, end) around 3 batches: 1 ms / 3 batches.
    expect(r.assemblyMs).toBeCloseTo(1 / 3, 10);
    expect(r.samixStepMs).toBe(1);
    expect(r.ratio).toBeCloseTo(1 / 3, 10);
  });
});
