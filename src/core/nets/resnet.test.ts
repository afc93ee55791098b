import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import type { BnUpdate } from './batchNorm';
import { buildHeads, linearHead } from './heads';
import { cloneParams, countParams, disposeParams, namedVariables, trainableVariables } from './params';
import { mixRows, permuteRows } from './permute';
import { buildResNet, resnetForward, stageSize } from './resnet';

describe('ResNet-mini (docs/method.md)', () => {
  beforeAll(() => initTestBackend());

  it('has ≈ 0.31 M parameters at W = 16 (conv 306 k, BN 1.4 k) and creates no stray tensors', () => {
    const before = tf.memory().numTensors;
    const net = buildResNet(new Rng(1), 3, 16);
    const heads = buildHeads(new Rng(2), 128, 10);
    const vars = namedVariables({ net, heads });
    expect(tf.memory().numTensors - before).toBe(vars.length);
    const conv = vars.filter((v) => v.variable.rank === 4).reduce((s, v) => s + v.variable.size, 0);
    expect(conv).toBeGreaterThan(300_000);
    expect(conv).toBeLessThan(312_000);
    const bn = countParams(net) - conv;
    expect(bn).toBe(2 * (16 + 2 * 16 + 2 * 32 + 2 * 64 + 2 * 128 + 32 + 64 + 128));
    expect(countParams(heads.one)).toBe(1290);
    expect(vars.some((v) => v.name === 'net.blocks.1.down.conv')).toBe(true);
    disposeParams({ net, heads });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives stage grids 32/16/8/4, 28/14/7/4 and 64/32/16/8 and pooled [N, 8W]', () => {
    for (const [size, ch] of [
      [32, 3],
      [28, 1],
      [64, 3],
    ]) {
      const net = buildResNet(new Rng(1), ch, 4);
      tf.tidy(() => {
        const x = tf.randomNormal([2, size, size, ch]) as tf.Tensor4D;
        const out = resnetForward(net, x, { training: true });
        expect(out.stages.map((s) => s.shape)).toEqual(
          [1, 2, 3, 4].map((s, i) => [2, stageSize(size, s), stageSize(size, s), 4 * 2 ** i]),
        );
        expect(out.pooled?.shape).toEqual([2, 32]);
        const early = resnetForward(net, x, { training: false, stopAtStage: 3 });
        expect(early.stages.length).toBe(3);
        expect(early.pooled).toBeUndefined();
        expect(
          tf
            .max(tf.abs(tf.sub(early.stages[2], resnetForward(net, x, { training: false }).stages[2])))
            .arraySync(),
        ).toBe(0);
      });
      disposeParams(net);
    }
    expect(stageSize(28, 3)).toBe(7);
  });

  it('is reproducible from the seed; clones are bit-identical and can be frozen', () => {
    const a = buildResNet(new Rng(9), 1, 4);
    const b = buildResNet(new Rng(9), 1, 4);
    const c = cloneParams(a, false);
    const va = namedVariables(a);
    const vb = namedVariables(b);
    const vc = namedVariables(c);
    va.forEach((e, i) => {
      expect(Array.from(vb[i].variable.dataSync())).toEqual(Array.from(e.variable.dataSync()));
      expect(Array.from(vc[i].variable.dataSync())).toEqual(Array.from(e.variable.dataSync()));
    });
    expect(trainableVariables(c).length).toBe(0);
    expect(trainableVariables(a).length).toBe(va.filter((e) => !e.name.includes('moving')).length);
    disposeParams([a, b, c]);
  });

  it('mixes features after a stage with a gradient that works on wasm (ManifoldMix)', () => {
    const net = buildResNet(new Rng(3), 1, 4);
    const heads = buildHeads(new Rng(4), 32, 3);
    const perm = new Int32Array([1, 2, 3, 0]);
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    tf.tidy(() => {
      // Stage 0 = Mixup of the input.
      const a = resnetForward(net, x, { training: false, mixAtStage: { stage: 0, perm, lam: 0.3 } }).pooled!;
      const mixed = tf.add(
        tf.mul(x, 0.3),
        tf.mul(tf.gather(x, tf.tensor1d(perm, 'int32')), 0.7),
      ) as tf.Tensor4D;
      const b = resnetForward(net, mixed, { training: false }).pooled!;
      expect(tf.max(tf.abs(tf.sub(a, b))).arraySync()).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(mixRows(x, perm, 0.3), mixed))).arraySync()).toBeLessThan(1e-6);
    });
    for (const stage of [1, 2]) {
      const updates: BnUpdate[] = [];
      const vars = trainableVariables({ net, heads });
      const { value, grads } = tf.variableGrads(() => {
        const out = resnetForward(net, x, {
          training: true,
          mixAtStage: { stage, perm, lam: 0.6 },
          bnUpdates: updates,
        });
        return tf.mean(tf.square(linearHead(heads.mix, out.pooled!))) as tf.Scalar;
      }, vars);
      expect(Object.keys(grads).length).toBe(vars.length - 2); // head `one` is unused
      expect(updates.length).toBe(12); // stem + 2 + 3·3
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
      updates.forEach((u) => (u.mean.dispose(), u.variance.dispose()));
    }
    tf.tidy(() => {
      // d/dh Σ r ⊙ h[σ] = r[σ⁻¹]
      const h = tf.randomNormal([4, 3]);
      const r = tf.randomNormal([4, 3]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(permuteRows(t, perm), r)))(h);
      const want = tf.gather(r, tf.tensor1d([3, 0, 1, 2], 'int32'));
      expect(tf.max(tf.abs(tf.sub(g, want))).arraySync()).toBe(0);
    });
    x.dispose();
    disposeParams({ net, heads });
  });
});
