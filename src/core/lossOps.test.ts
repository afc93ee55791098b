import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../testing/tf';
import { ETA_MODES } from './config';
import { etaLossOp, maskLossOp, mixWithMaskOp, softTargetCE } from './lossOps';
import { maskLoss, maskLossParts, mixWithMask } from './mask';
import { accuracy, crossEntropy, etaBalancedLoss, mixupCE } from './losses';
import { flushSaves } from './nets/saves';
import { Rng } from '../lib/random';

const N = 6;
const K = 5;
const yA = () => tf.tensor1d([0, 1, 2, 3, 4, 2], 'int32');
const yB = () => tf.tensor1d([1, 1, 0, 4, 2, 3], 'int32'); // row 1: same class

function logits(seed: number, g = 1): tf.Variable {
  return tf.variable(tf.tensor(new Rng(seed).normalArray(g * N * K, 2), g === 1 ? [N, K] : [g, N, K]));
}

function close(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): void {
  expect(tf.max(tf.abs(tf.sub(a, b))).arraySync() as number).toBeLessThan(tol);
}

describe('loss ops (custom gradients) equal the reference losses', () => {
  beforeAll(() => initTestBackend());

  it.each(ETA_MODES.flatMap((m) => [[m, 'device'] as const, [m, 'host'] as const]))(
    'η-balanced loss, mode %s, %s labels: values and ∂/∂logits',
    (mode, where) => {
      const z = logits(1);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const a = yA();
        const b = yB();
        const o = { eta: 0.7, global: mode };
        const host = (t: tf.Tensor1D) => Int32Array.from(t.dataSync());
        let parts: { local: tf.Tensor; global: tf.Tensor } | null = null;
        const got = tf.variableGrads(() => {
          const [la, lb] = where === 'host' ? [host(a), host(b)] : [a, b];
          const r = etaLossOp(z as unknown as tf.Tensor2D, la, lb, 0.3, o);
          parts = { local: tf.keep(r.local), global: tf.keep(r.global) };
          return r.total;
        }, [z]);
        const want = tf.variableGrads(
          () => etaBalancedLoss(z as unknown as tf.Tensor2D, a, b, 0.3, o).total,
          [z],
        );
        close(got.value, want.value);
        close(got.grads[z.name], want.grads[z.name]);
        const ref = etaBalancedLoss(z as unknown as tf.Tensor2D, a, b, 0.3, o);
        close(parts!.local, ref.local);
        close(parts!.global, ref.global);
        tf.dispose([parts!.local, parts!.global]);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(flushSaves()).toBe(0);
      z.dispose();
    },
  );

  it('soft-target CE with host labels equals it with device labels: losses, accuracy, ∂/∂logits', () => {
    const z = logits(9, 2);
    tf.tidy(() => {
      const [a, b] = [yA(), yB()];
      const [ha, hb] = [Int32Array.from(a.dataSync()), Int32Array.from(b.dataSync())];
      for (const lam of [0.3, 0.5, 1]) {
        let accs: tf.Tensor[] = [];
        const run = (ta: typeof a | Int32Array, tb: typeof b | Int32Array) =>
          tf.variableGrads(() => {
            const r = softTargetCE(z as unknown as tf.Tensor3D, [
              { yA: ta, yB: tb, lam },
              { yA: ta, yB: ta, lam: 1 },
            ]);
            accs = [...accs, tf.keep(r.acc)];
            return tf.sum(tf.mul(r.loss, tf.tensor1d([1, 0.5]))) as tf.Scalar;
          }, [z]);
        const dev = run(a, b);
        const hst = run(ha, hb);
        close(dev.value, hst.value, 1e-6);
        close(dev.grads[z.name], hst.grads[z.name], 1e-6);
        expect(Array.from(accs[1].dataSync())).toEqual(Array.from(accs[0].dataSync()));
      }
    });
    z.dispose();
  });

  it('soft-target CE of two groups = mixup CE + CE, with accuracy; per-row λ too', () => {
    const z = logits(2, 2);
    tf.tidy(() => {
      const a = yA();
      const b = yB();
      for (const lam of [0.35, tf.tensor1d([0.1, 0.9, 0.5, 0.3, 0.7, 0.2])]) {
        let acc: tf.Tensor | null = null;
        const got = tf.variableGrads(() => {
          const r = softTargetCE(z as unknown as tf.Tensor3D, [
            { yA: a, yB: b, lam },
            { yA: a, yB: a, lam: 1 },
          ]);
          acc = tf.keep(r.acc);
          return tf.sum(tf.mul(r.loss, tf.tensor1d([1, 0.5]))) as tf.Scalar;
        }, [z]);
        const want = tf.variableGrads(() => {
          const [m, c] = tf.unstack(z) as tf.Tensor2D[];
          return tf.add(mixupCE(m, a, b, lam), tf.mul(0.5, crossEntropy(c, a))) as tf.Scalar;
        }, [z]);
        close(got.value, want.value);
        close(got.grads[z.name], want.grads[z.name]);
        const [m, c] = tf.unstack(z) as tf.Tensor2D[];
        const dominant =
          typeof lam === 'number' ? (lam >= 0.5 ? a : b) : tf.where(tf.greaterEqual(lam, 0.5), a, b);
        close(acc!, tf.stack([accuracy(m, dominant as tf.Tensor1D), accuracy(c, a)]));
        acc!.dispose();
      }
    });
    z.dispose();
  });

  it.each([
    ['l1+var', 0.3, 0.1],
    ['l1', 0.7, 0.05],
    ['l1+var', 0.5, 0.0],
  ] as const)('mask loss %s (λ %s, ε %s) and the mix with a mask: values and ∂/∂m', (mode, lam, margin) => {
    const m = tf.variable(tf.sigmoid(tf.tensor4d(new Rng(5).normalArray(4 * 3 * 3, 2), [4, 3, 3, 1])));
    const x = tf.tensor4d(new Rng(6).normalArray(4 * 3 * 3 * 2, 1), [4, 3, 3, 2]);
    const perm = new Int32Array([2, 0, 3, 1]);
    const r = tf.tensor4d(new Rng(7).normalArray(4 * 3 * 3 * 2, 1), [4, 3, 3, 2]);
    tf.tidy(() => {
      let parts: tf.Tensor[] = [];
      const got = tf.variableGrads(() => {
        const l = maskLossOp(m as unknown as tf.Tensor4D, lam, { mode, margin, weight: 0.1 });
        parts = [tf.keep(l.l1), tf.keep(l.variance)];
        const mixed = mixWithMaskOp(x, perm, m as unknown as tf.Tensor4D);
        return tf.add(l.loss, tf.sum(tf.mul(mixed, r))) as tf.Scalar;
      }, [m]);
      const want = tf.variableGrads(() => {
        const l = tf.mul(maskLoss(m as unknown as tf.Tensor4D, lam, { mode, margin }), 0.1);
        const mixed = mixWithMask(x, perm, m as unknown as tf.Tensor4D);
        return tf.add(l, tf.sum(tf.mul(mixed, r))) as tf.Scalar;
      }, [m]);
      close(got.value, want.value);
      close(got.grads[m.name], want.grads[m.name]);
      const ref = maskLossParts(m as unknown as tf.Tensor4D, lam, margin);
      close(parts[0], ref.l1);
      close(parts[1], ref.variance);
      tf.dispose(parts);
    });
    tf.dispose([m, x, r]);
  });
});
