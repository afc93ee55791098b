import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../testing/tf';
import type { EtaMode } from './config';
import { accuracy, crossEntropy, etaBalancedLoss, infoNCE, mixupCE, sslEtaLoss } from './losses';

beforeAll(() => initTestBackend());

const near = (actual: number, expected: number, tol: number): void => {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
};
const val = (t: tf.Tensor): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};
function parts(logits: number[][], yA: number[], yB: number[], lam: number, eta: number, mode: EtaMode) {
  return tf.tidy(() => {
    const r = etaBalancedLoss(tf.tensor2d(logits), tf.tensor1d(yA, 'int32'), tf.tensor1d(yB, 'int32'), lam, {
      eta,
      global: mode,
    });
    return { local: r.local.dataSync()[0], global: r.global.dataSync()[0], total: r.total.dataSync()[0] };
  });
}

// docs/method.md: z = [2, 1, 0, −1], i = 0, j = 1, λ = 0.7.
const Z = [[2, 1, 0, -1]];
const LOCAL = 0.613262;
const MCE = 0.74019;

describe('etaBalancedLoss: the worked table (docs/method.md)', () => {
  it('rest (A): global = ℓ_rest, η = 0.5 and η = 1', () => {
    const a = parts(Z, [0], [1], 0.7, 0.5, 'rest');
    near(a.local, LOCAL, 1e-6);
    near(a.global, 0.126928, 1e-6);
    near(a.total, 0.676726, 1e-6);
    near(parts(Z, [0], [1], 0.7, 1, 'rest').total, 0.74019, 1e-6);
  });

  it('fullCE (B): global = ℓ_MCE', () => {
    const b = parts(Z, [0], [1], 0.7, 0.5, 'fullCE');
    near(b.local, LOCAL, 1e-6);
    near(b.global, MCE, 1e-6);
    near(b.total, 0.983357, 1e-6);
    near(parts(Z, [0], [1], 0.7, 1, 'fullCE').total, 1.353451, 1e-6);
  });

  it('decoupled (C): global = ℓ_dec with per-class parts 0.169846 / 0.407606', () => {
    const c = parts(Z, [0], [1], 0.7, 0.5, 'decoupled');
    near(c.local, LOCAL, 1e-6);
    near(c.global, 0.241174, 1e-6);
    near(c.total, 0.733849, 1e-6);
    near(parts(Z, [0], [1], 0.7, 1, 'decoupled').total, 0.854436, 1e-6);
    near(parts(Z, [0], [1], 1, 1, 'decoupled').global, 0.169846, 1e-6);
    near(parts(Z, [0], [1], 0, 1, 'decoupled').global, 0.407606, 1e-6);
  });

  it('codeFaithful: total = plain mixup CE, reported as local + rest (η ignored)', () => {
    for (const eta of [0, 0.5, 3]) {
      const d = parts(Z, [0], [1], 0.7, eta, 'codeFaithful');
      near(d.total, MCE, 1e-6);
      near(d.local, LOCAL, 1e-6);
      near(d.global, 0.126928, 1e-6);
      near(d.local + d.global, d.total, 1e-6); // the identity ℓ_local + ℓ_rest = ℓ_MCE
    }
  });

  it('identity local + rest = MCE holds row-wise on random logits', () => {
    const logits = [
      [0.3, -1.2, 2.5, 0.1, -0.7],
      [1.9, 0.4, -2.2, 0.8, 0.0],
      [-0.5, 3.1, 0.2, -1.4, 1.1],
    ];
    const yA = [2, 0, 4];
    const yB = [1, 3, 1];
    const rest = parts(logits, yA, yB, 0.35, 1, 'rest');
    const full = parts(logits, yA, yB, 0.35, 1, 'fullCE');
    near(rest.local + rest.global, full.global, 1e-6);
    near(rest.total, full.global, 1e-6); // variant (A) with η = 1 is the ordinary mixup CE
  });

  it('the code neg_weight soft CE is a no-op: weighted soft CE equals mixupCE (0.740190)', () => {
    const soft = tf.tidy(() => {
      const z = tf.tensor2d(Z);
      const target = tf.tensor2d([[0.7, 0.3, 0, 0]]);
      const w = tf.tensor2d([[1, 1, 0.5, 0.5]]); // neg_weight 0.5 on the non-mixed classes
      return -tf.sum(tf.mul(tf.mul(w, target), tf.logSoftmax(z))).dataSync()[0];
    });
    near(soft, MCE, 1e-6);
    near(val(mixupCE(tf.tensor2d(Z), tf.tensor1d([0], 'int32'), tf.tensor1d([1], 'int32'), 0.7)), soft, 1e-6);
  });
});

describe('same-class rows', () => {
  const z = [[0.5, -0.5, 1.0]];
  it.each(['decoupled', 'rest', 'fullCE', 'codeFaithful'] as const)(
    '%s: local 0, global = total = plain CE',
    (mode) => {
      const p = parts(z, [0], [0], 0.3, 0.5, mode);
      expect(p.local).toBe(0);
      near(p.global, 1.104131, 1e-6);
      near(p.total, 1.104131, 1e-6); // not scaled by η
    },
  );

  it('means are over all rows of a mixed batch', () => {
    const logits = [Z[0], [0.5, -0.5, 1.0, 0]];
    // row 2 logits [0.5, −0.5, 1, 0], class 0: CE = log(e^.5 + e^-.5 + e + 1) − 0.5
    const ce2 = Math.log(Math.exp(0.5) + Math.exp(-0.5) + Math.E + 1) - 0.5;
    const p = parts(logits, [0, 0], [1, 0], 0.7, 0.5, 'decoupled');
    near(p.local, LOCAL / 2, 1e-6);
    near(p.global, (0.241174 + ce2) / 2, 1e-6);
    near(p.total, (0.733849 + ce2) / 2, 1e-6);
  });
});

describe('etaBalancedLoss: stability and gradients', () => {
  it('stays finite for extreme logits, with finite gradients', () => {
    for (const mode of ['decoupled', 'rest', 'fullCE', 'codeFaithful'] as const) {
      const g = tf.tidy(() => {
        const logits = tf.tensor2d([
          [900, -900, 0, 5],
          [-800, 800, 3, 2],
        ]);
        const yA = tf.tensor1d([0, 2], 'int32');
        const yB = tf.tensor1d([1, 1], 'int32');
        const f = (l: tf.Tensor): tf.Scalar =>
          etaBalancedLoss(l as tf.Tensor2D, yA, yB, 0.6, { eta: 0.5, global: mode }).total;
        const { value, grad } = tf.valueAndGrad(f)(logits);
        return [value.dataSync()[0], ...grad.dataSync()];
      });
      for (const v of g) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('decoupled gradient matches a central finite difference', () => {
    const base = [0.4, -0.3, 1.2, 0.5];
    const f = (z: number[]): number => parts([z], [2], [0], 0.6, 0.5, 'decoupled').total;
    const grad = tf.tidy(() => {
      const yA = tf.tensor1d([2], 'int32');
      const yB = tf.tensor1d([0], 'int32');
      return Array.from(
        tf
          .grad(
            (l: tf.Tensor) =>
              etaBalancedLoss(l as tf.Tensor2D, yA, yB, 0.6, { eta: 0.5, global: 'decoupled' }).total,
          )(tf.tensor2d([base]))
          .dataSync(),
      );
    });
    const h = 1e-2;
    base.forEach((_, c) => {
      const up = base.slice();
      const dn = base.slice();
      up[c] += h;
      dn[c] -= h;
      near(grad[c], (f(up) - f(dn)) / (2 * h), 2e-4);
    });
  });

  it('leaks no tensors', () => {
    const logits = tf.tensor2d([Z[0], [0.1, 0.2, 0.3, 0.4]]);
    const yA = tf.tensor1d([0, 2], 'int32');
    const yB = tf.tensor1d([1, 2], 'int32');
    for (const mode of ['decoupled', 'rest', 'fullCE', 'codeFaithful'] as const) {
      expectNoLeak(() => etaBalancedLoss(logits, yA, yB, 0.7, { eta: 0.5, global: mode }));
    }
    expectNoLeak(() => mixupCE(logits, yA, yB, 0.3));
    expectNoLeak(() => crossEntropy(logits, yA));
    expectNoLeak(() => accuracy(logits, yA));
    tf.dispose([logits, yA, yB]);
  });
});

describe('mixupCE, crossEntropy, accuracy', () => {
  const logits = [
    [2, 1, 0, -1],
    [0.5, 0.2, -0.3, 1.5],
    [-1, 0, 2, 0.5],
  ];
  const yA = [0, 3, 1];
  const yB = [1, 0, 2];
  const ce = (row: number[], c: number): number =>
    Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[c];

  it('λ as a number, a scalar tensor and a per-sample [N] tensor', () => {
    const lams = [0.7, 0.2, 0.55];
    const expectedPer =
      logits.reduce((s, r, n) => s + lams[n] * ce(r, yA[n]) + (1 - lams[n]) * ce(r, yB[n]), 0) / 3;
    const expected = logits.reduce((s, r, n) => s + 0.3 * ce(r, yA[n]) + 0.7 * ce(r, yB[n]), 0) / 3;
    const [a, b, c] = tf.tidy(() => {
      const l = tf.tensor2d(logits);
      const ya = tf.tensor1d(yA, 'int32');
      const yb = tf.tensor1d(yB, 'int32');
      return [
        mixupCE(l, ya, yb, 0.3).dataSync()[0],
        mixupCE(l, ya, yb, tf.scalar(0.3)).dataSync()[0],
        mixupCE(l, ya, yb, tf.tensor1d(lams)).dataSync()[0],
      ];
    });
    near(a, expected, 1e-6);
    near(b, expected, 1e-6);
    near(c, expectedPer, 1e-6);
  });

  it('equals the soft-target CE with λ·onehot(y) + (1 − λ)·onehot(y[σ]) ', () => {
    const [mix, soft] = tf.tidy(() => {
      const l = tf.tensor2d(logits);
      const ya = tf.tensor1d(yA, 'int32');
      const yb = tf.tensor1d(yB, 'int32');
      const target = tf.add(
        tf.mul(0.35, tf.oneHot(ya, 4).toFloat()),
        tf.mul(0.65, tf.oneHot(yb, 4).toFloat()),
      );
      const s = tf.mean(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(l)), 1)));
      return [mixupCE(l, ya, yb, 0.35).dataSync()[0], s.dataSync()[0]];
    });
    near(mix, soft, 1e-6);
  });

  it('crossEntropy is the mean CE and accuracy the fraction of correct arg-maxes', () => {
    const l = tf.tensor2d(logits);
    const y = tf.tensor1d([0, 0, 2], 'int32');
    near(val(crossEntropy(l, y)), (ce(logits[0], 0) + ce(logits[1], 0) + ce(logits[2], 2)) / 3, 1e-6);
    near(val(accuracy(l, y)), 2 / 3, 1e-7);
    near(val(crossEntropy(tf.tensor2d([[0.5, -0.5, 1.0]]), tf.tensor1d([0], 'int32'))), 1.104131, 1e-6);
    tf.dispose([l, y]);
  });
});

describe('SSL losses (docs/ssl.md)', () => {
  const run = (T: number) =>
    tf.tidy(() => {
      const r = sslEtaLoss(tf.tensor1d([1]), tf.tensor1d([0]), tf.tensor2d([[-1]]), 0.6, T, 0.5);
      return { local: r.local.dataSync()[0], global: r.global.dataSync()[0], total: r.total.dataSync()[0] };
    });

  it('T = 1: global 0.201461, local 0.713262, total 0.813992', () => {
    const r = run(1);
    near(r.global, 0.201461, 1e-6);
    near(r.local, 0.713262, 1e-6);
    near(r.total, 0.813992, 1e-6);
  });

  it('T = 0.2: global 0.002713, local 2.006715', () => {
    const r = run(0.2);
    near(r.global, 0.002713, 1e-6);
    near(r.local, 2.006715, 1e-6);
    near(r.total, 2.006715 + 0.5 * 0.002713, 2e-6);
  });

  it('infoNCE is the mean CE of [pos, neg]/T with target 0', () => {
    const v = val(
      infoNCE(
        tf.tensor1d([0.5, -0.2]),
        tf.tensor2d([
          [0.1, 0.3],
          [0.4, -0.6],
        ]),
        0.5,
      ),
    );
    const row = (p: number, n: number[]): number =>
      Math.log([p, ...n].reduce((s, x) => s + Math.exp(x / 0.5), 0)) - p / 0.5;
    near(v, (row(0.5, [0.1, 0.3]) + row(-0.2, [0.4, -0.6])) / 2, 1e-6);
  });

  it('leaks no tensors', () => {
    const sA = tf.tensor1d([0.3, 0.9]);
    const sB = tf.tensor1d([0.1, -0.2]);
    const neg = tf.tensor2d([
      [0.1, 0.2, 0.3],
      [0, -0.1, 0.5],
    ]);
    expectNoLeak(() => infoNCE(sA, neg, 0.2));
    expectNoLeak(() => sslEtaLoss(sA, sB, neg, 0.4, 0.2, 0.5));
    tf.dispose([sA, sB, neg]);
  });
});
