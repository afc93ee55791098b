import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { constantVariable, disposeParams } from './params';
import { Sgd } from './sgd';

describe('Sgd (PyTorch momentum + weight decay)', () => {
  beforeAll(() => initTestBackend());

  it('follows d = g + wd·θ, buf = μ·buf + d, θ −= lr·buf with a per-step lr', () => {
    const a = constantVariable([2], 1);
    const b = constantVariable([1, 2], -2);
    const opt = new Sgd([a, b], { momentum: 0.9, weightDecay: 0.1 });
    const grads = () => ({ [a.name]: tf.tensor1d([0.5, -0.5]), [b.name]: tf.tensor2d([[1, 0]]) });
    // Reference on the host.
    let th = [1, 1, -2, -2];
    let buf = [0, 0, 0, 0];
    const g = [0.5, -0.5, 1, 0];
    for (const lr of [0.1, 0.05]) {
      const gs = grads();
      opt.step(gs, lr);
      Object.values(gs).forEach((t) => t.dispose());
      buf = buf.map((v, i) => 0.9 * v + g[i] + 0.1 * th[i]);
      th = th.map((v, i) => v - lr * buf[i]);
    }
    const got = [...a.dataSync(), ...b.dataSync()];
    got.forEach((v, i) => expect(v).toBeCloseTo(th[i], 6));
    const slot = opt.getSlot();
    Array.from(slot.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(buf[i], 6));
    opt.setSlot(new Float32Array(4));
    expect(Array.from(opt.getSlot().dataSync())).toEqual([0, 0, 0, 0]);
    slot.dispose();
    const before = tf.memory().numTensors;
    opt.step({}, 0.1); // missing gradients count as zero; only weight decay acts
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    disposeParams([a, b]);
  });
});
