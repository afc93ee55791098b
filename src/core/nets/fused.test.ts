import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { Rng } from '../../lib/random';
import { applyBnUpdates, type BnRecord } from './batchNorm';
import { overrideEngine, type ConvMode } from './engine';
import { FlatNet } from './flat';
import { flushFusedSaves, fusedClassify, fusedStageFeatures, type FusedGraph, type HeadName } from './fused';
import { buildHeads, linearHead, type HeadsParams } from './heads';
import { cloneParams, disposeParams, namedVariables, trainableVariables } from './params';
import { buildResNet, resnetForward, type FeatureMix, type ResNetParams } from './resnet';

interface Net {
  encoder: ResNetParams;
  heads: HeadsParams;
}

const N = 4;
const SIZE = 12;

function build(seed: number): Net {
  const rng = new Rng(seed);
  const encoder = buildResNet(rng, 3, 4);
  const heads = buildHeads(rng, 32, 5);
  // Non-trivial γ, β and head weights so that every gradient term matters.
  tf.tidy(() => {
    for (const e of namedVariables({ encoder, heads })) {
      if (e.name.endsWith('gamma'))
        e.variable.assign(tf.add(1, tf.mul(0.3, tf.randomNormal(e.variable.shape, 0, 1, 'float32', seed))));
      if (e.name.endsWith('beta'))
        e.variable.assign(tf.mul(0.2, tf.randomNormal(e.variable.shape, 0, 1, 'float32', seed + 1)));
      if (e.name.startsWith('heads')) e.variable.assign(tf.mul(10, e.variable));
    }
  });
  return { encoder, heads };
}

function images(seed: number, n = N): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).normalArray(n * SIZE * SIZE * 3, 1), [n, SIZE, SIZE, 3]);
}

/** Weighted sum of logits, a loss whose gradient reaches every logit differently. */
function readout(logits: tf.Tensor, seed: number): tf.Scalar {
  const r = tf.tensor(new Rng(seed).normalArray(logits.size, 1), logits.shape);
  return tf.sum(tf.mul(logits, r));
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).arraySync() as number);
}

function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => (maxDiff(a, b) as number) / Math.max(1e-6, tf.max(tf.abs(b)).arraySync() as number));
}

/** Reference: one layer-by-layer forward per group (autodiff through conv/BN custom gradients). */
function reference(
  net: Net,
  xs: tf.Tensor4D[],
  heads: HeadName[],
  bn?: BnRecord[],
  mix?: FeatureMix,
): tf.Tensor2D[] {
  return xs.map((x, g) => {
    const { pooled } = resnetForward(net.encoder, x, { training: true, bnUpdates: bn, mixAtStage: mix });
    return linearHead(net.heads[heads[g]], pooled!);
  });
}

// The webgl/webgpu graph with native conv gradients needs Conv2DBackpropFilter (cpu backend: run the
// tests with TF_TEST_BACKEND=cpu; wasm has none).
const NATIVE: Array<[FusedGraph, ConvMode]> =
  process.env.TF_TEST_BACKEND === 'cpu' ? [['gpu', 'native']] : [];

describe.each<[FusedGraph, ConvMode]>([['cpu', 'corr'], ['gpu', 'corr'], ['gpu', 'im2col'], ...NATIVE])(
  'fused classifier op (%s graph, %s conv gradients)',
  (graph, mode) => {
    let restore = (): void => undefined;
    beforeAll(async () => {
      await initTestBackend();
      restore = overrideEngine({ conv: mode, graph });
    });
    afterAll(() => restore());

    it.each([
      { name: 'one group', heads: ['one'] as HeadName[] },
      { name: 'two groups with their own BN statistics and heads', heads: ['mix', 'one'] as HeadName[] },
    ])('matches the layer-by-layer forward and its gradients: $name', ({ heads }) => {
      const net = build(1);
      const vars = trainableVariables(net);
      const xs = heads.map((_, g) => images(10 + g));
      const refX = xs.map((x) => tf.variable(x)); // x as a variable to get ∂/∂x
      const before = tf.memory().numTensors;
      const fused = tf.variableGrads(() => {
        const logits = fusedClassify(net, refX, heads);
        return readout(logits, 3);
      }, [...vars, ...refX]);
      const ref = tf.variableGrads(() => {
        const logits = tf.stack(reference(net, refX, heads));
        return readout(logits, 3);
      }, [...vars, ...refX]);
      expect(relDiff(fused.value, ref.value)).toBeLessThan(1e-4);
      let checked = 0;
      for (const v of [...vars, ...refX]) {
        const a = fused.grads[v.name];
        const b = ref.grads[v.name];
        if (!b) {
          // The head no group reads gets no gradient.
          expect(a === undefined || (tf.max(tf.abs(a)).arraySync() as number) === 0).toBe(true);
          continue;
        }
        expect(relDiff(a, b), v.name).toBeLessThan(2e-3);
        checked++;
      }
      expect(checked).toBeGreaterThan(30);
      fused.value.dispose();
      ref.value.dispose();
      for (const g of [...Object.values(fused.grads), ...Object.values(ref.grads)]) g.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(flushFusedSaves()).toBe(0);
      for (const t of [...xs, ...refX]) t.dispose();
      disposeParams(net);
    });

    it('records BN statistics per group, applied in group order like separate forwards', () => {
      const a = build(2);
      const b = cloneParams(a);
      const xs = [images(20), images(21)];
      const recA: BnRecord[] = [];
      const recB: BnRecord[] = [];
      tf.tidy(() => {
        fusedClassify(a, xs, ['mix', 'one'], { bnUpdates: recA });
        reference(b, xs, ['mix', 'one'], recB);
      });
      expect(recA.length).toBe(graph === 'cpu' ? 2 : 1); // one packed record per forward
      expect(recB.length).toBe(24);
      applyBnUpdates(recA);
      applyBnUpdates(recB);
      const va = namedVariables(a).filter((e) => e.name.includes('moving'));
      const vb = namedVariables(b).filter((e) => e.name.includes('moving'));
      va.forEach((e, i) => expect(relDiff(e.variable, vb[i].variable), e.name).toBeLessThan(1e-5));
      xs.forEach((x) => x.dispose());
      disposeParams([a, b]);
    });

    it.each([0, 1, 2])('mixes features after stage %i (ManifoldMix) with the right gradients', (stage) => {
      const net = build(3);
      const vars = trainableVariables(net);
      const x = tf.variable(images(30));
      const mix: FeatureMix = { stage, perm: new Int32Array([2, 0, 3, 1]), lam: 0.3 };
      const f = tf.variableGrads(
        () => readout(fusedClassify(net, [x], ['mix'], { mixAtStage: mix }), 5),
        [...vars, x],
      );
      const r = tf.variableGrads(
        () => readout(reference(net, [x], ['mix'], undefined, mix)[0], 5),
        [...vars, x],
      );
      expect(relDiff(f.value, r.value)).toBeLessThan(1e-4);
      for (const v of [...vars, x])
        if (r.grads[v.name]) expect(relDiff(f.grads[v.name], r.grads[v.name]), v.name).toBeLessThan(2e-3);
      tf.dispose([f.value, r.value, ...Object.values(f.grads), ...Object.values(r.grads), x]);
      disposeParams(net);
    });

    it('gives ONE flat gradient for views of a FlatNet; frozen parameters pass the input gradient only', () => {
      const net = build(4);
      const vars = trainableVariables(net);
      const flat = new FlatNet(net, vars, true);
      const x = tf.variable(images(40));
      const ref = tf.variableGrads(() => readout(fusedClassify(net, [x], ['one']), 7), [...vars, x]);
      tf.tidy(() => {
        const views = flat.views();
        const got = tf.variableGrads(() => readout(fusedClassify(views, [x], ['one']), 7), [flat.params, x]);
        const want = tf.concat(vars.map((v) => tf.reshape(ref.grads[v.name] ?? tf.zerosLike(v), [-1])));
        expect(maxDiff(got.grads[flat.params.name], want)).toBeLessThan(1e-5);
        expect(maxDiff(got.grads[x.name], ref.grads[x.name])).toBeLessThan(1e-5);
      });
      // A frozen copy (the momentum encoder): only ∂/∂x is computed, the same as the trainable net's.
      const k = cloneParams(net, false);
      const kFlat = new FlatNet(
        k,
        namedVariables(k)
          .filter((e) => !e.name.includes('moving'))
          .map((e) => e.variable),
        false,
      );
      tf.tidy(() => {
        const views = kFlat.views();
        const got = tf.grad((xi: tf.Tensor) =>
          readout(fusedClassify(views, [xi as tf.Tensor4D], ['one']), 7),
        )(x);
        expect(maxDiff(got, ref.grads[x.name])).toBeLessThan(1e-5);
      });
      kFlat.dispose();
      disposeParams(k);
      tf.dispose([ref.value, ...Object.values(ref.grads), x]);
      flat.dispose();
      disposeParams(net);
    });

    it('stops early without a tape (the Mixer input) with the same features', () => {
      const net = build(5);
      tf.tidy(() => {
        const x = images(50);
        const bn: BnRecord[] = [];
        const z = fusedStageFeatures(net, x, 3, { bnUpdates: bn });
        const want = resnetForward(net.encoder, x, { training: true, stopAtStage: 3 }).stages[2];
        expect(relDiff(z, want)).toBeLessThan(1e-5);
        expect(bn.length).toBe(1);
        expect((bn[0] as { counts: number[] }).counts.length).toBe(9); // stem + 2 + 3 + 3
        applyBnUpdates(bn);
      });
      disposeParams(net);
    });
  },
);
