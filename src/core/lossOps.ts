/**
 * The training step's losses as custom-gradient ops (the same math as losses.ts, which stays the
 * reference and is what the worked-table tests check): one forward outside the gradient tape, and the
 * gradient with respect to the logits written out —
 *   soft-target CE:  ∂/∂z = (softmax(z) − t)/N,  t = λ·e_a + (1 − λ)·e_b;
 *   η-balanced loss: ∂/∂z = ∂local + η·∂global per row (see `etaLossOp`), same-class rows softmax − e_a.
 * With automatic differentiation these losses cost 200–300 kernels per step (every small op records
 * a tape node, clones its inputs and runs its gradient kernels); as ops, a few dozen.
 *
 * Values the step only reports (accuracy, the local and global parts) are computed in the forward
 * and returned as plain tensors: they carry no gradient.
 *
 * The custom-gradient wrapper is customLossOp.ts; the Mixer's mask ops are maskOps.ts (re-exported
 * here).
 */
import * as tf from '@tensorflow/tfjs';
import type { EtaMode } from './config';
import { lossOp } from './customLossOp';
import { batchMatMul } from './nets/kernels';

export { maskLossOp, mixWithMaskOp, type MaskLossOut } from './maskOps';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;

/** Logit offset that removes a class from a log-sum-exp (as in losses.ts). */
const MASKED_LOGIT = -1e9;

/**
 * Labels `[N]`: a device tensor, or host labels (a training step's, which are uploaded as the
 * finished one-hot targets instead: no label kernels on the device).
 */
export type Labels = T1 | Int32Array;

/** Targets of one group: label weight λ on yA and 1 − λ on yB (λ a number, or per row `[N]`). */
export interface SoftTarget {
  yA: Labels;
  yB: Labels;
  lam: number | tf.Tensor;
}

/** Device labels (host labels are uploaded). */
function onDevice(y: Labels): T1 {
  return y instanceof Int32Array ? tf.tensor1d(y, 'int32') : y;
}

/**
 * Host targets of G groups with numeric λ: the soft targets `[G, N, K]` and the dominant label of
 * every row `[G, N]` (yA where λ ≥ ½, else yB), built on the host and uploaded.
 */
function hostTargets(
  targets: SoftTarget[],
  N: number,
  K: number,
): { tgt: tf.Tensor3D; dominant: tf.Tensor2D } {
  const G = targets.length;
  const tgt = new Float32Array(G * N * K);
  const dominant = new Int32Array(G * N);
  targets.forEach((t, g) => {
    const [yA, yB, lam] = [t.yA as Int32Array, t.yB as Int32Array, t.lam as number];
    for (let n = 0; n < N; n++) {
      const row = (g * N + n) * K;
      tgt[row + yA[n]] += lam;
      tgt[row + yB[n]] += 1 - lam;
      dominant[g * N + n] = lam >= 0.5 ? yA[n] : yB[n];
    }
  });
  return { tgt: tf.tensor3d(tgt, [G, N, K]), dominant: tf.tensor2d(dominant, [G, N], 'int32') };
}

/** One-hot float rows `[n, K]` (int32 one-hot then cast: wasm 4.22 ignores oneHot's dtype). */
function oneHotF(y: tf.Tensor, k: number): T2 {
  return tf.cast(
    tf.oneHot(y.dtype === 'int32' ? (y as T1) : (tf.cast(y, 'int32') as T1), k),
    'float32',
  ) as T2;
}

/** Softmax and log-sum-exp along the last axis: p, lse (keepDims). */
function softmaxLse<T extends tf.Tensor>(z: T): { p: T; lse: T } {
  const axis = z.rank - 1;
  const m = tf.max(z, axis, true);
  const e = tf.exp(tf.sub(z, m));
  const s = tf.sum(e, axis, true);
  return { p: tf.div(e, s) as T, lse: tf.add(tf.log(s), m) as T };
}

/**
 * Mean soft-target cross-entropy of G groups of logits, in one op: group g's rows have target
 * λ_g·onehot(yA_g) + (1 − λ_g)·onehot(yB_g) (plain CE: λ = 1). Equals `mixupCE` / `crossEntropy`.
 * @param logits `[G, N, K]`
 * @returns per-group losses `[G]` (differentiable) and per-group accuracy `[G]` against the dominant
 *   label (yA where λ ≥ ½, else yB; no gradient)
 */
export function softTargetCE(logits: T3, targets: SoftTarget[]): { loss: T1; acc: T1 } {
  // (host labels: see `Labels`)
  const [G, N, K] = logits.shape;
  if (targets.length !== G) throw new Error(`${targets.length} targets for ${G} groups`);
  const host = targets.every(
    (t) => t.yA instanceof Int32Array && t.yB instanceof Int32Array && typeof t.lam === 'number',
  );
  if (!host) targets = targets.map((t) => ({ ...t, yA: onDevice(t.yA), yB: onDevice(t.yB) }));
  const { value, side } = lossOp(logits, (saves) => {
    const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
    const cat = (ts: Labels[]): tf.Tensor => (ts.length === 1 ? (ts[0] as T1) : tf.concat(ts as T1[]));
    const plain = targets.every((t) => t.yB === t.yA || t.lam === 1);
    const numeric = targets.every((t) => typeof t.lam === 'number');
    let tgt: tf.Tensor;
    let dominantRows: tf.Tensor | null = null; // [G, N] int32, when known from the labels' concatenation
    if (host) {
      ({ tgt, dominant: dominantRows } = hostTargets(targets, N, K));
    } else if (plain) {
      tgt = tf.reshape(oneHotF(cat(targets.map((t) => t.yA)), K), [G, N, K]);
    } else if (numeric) {
      // One one-hot of every group's yA then every group's yB, weighted (λ_g, 1 − λ_g) and summed.
      const labels = cat([...targets.map((t) => t.yA), ...targets.map((t) => t.yB)]); // [2·G·N]
      const oh = tf.reshape(oneHotF(labels, K), [2, G, N, K]);
      const w = targets.map((t) => t.lam as number);
      if (labels.dtype === 'int32') {
        // The dominant label of row (g, n): yA_g[n] at g·N + n, or yB_g[n] at (G + g)·N + n.
        const at = new Int32Array(G * N);
        w.forEach((l, g) => at.forEach((_, n) => (at[g * N + n] = (l >= 0.5 ? g : G + g) * N + n)));
        dominantRows = tf.gather(labels, tf.tensor2d(at, [G, N], 'int32'));
      }
      tgt = tf.sum(tf.mul(oh, tf.tensor4d([...w, ...w.map((l) => 1 - l)], [2, G, 1, 1])), 0);
    } else {
      const ohA = tf.reshape(oneHotF(cat(targets.map((t) => t.yA)), K), [G, N, K]);
      const ohB = tf.reshape(oneHotF(cat(targets.map((t) => t.yB)), K), [G, N, K]);
      const lam = tf.reshape(
        cat(
          targets.map((t) => (typeof t.lam === 'number' ? tf.fill([N], t.lam) : tf.broadcastTo(t.lam, [N]))),
        ),
        [G, N, 1],
      );
      tgt = tf.add(ohB, tf.mul(lam, tf.sub(ohA, ohB)));
    }
    const { p, lse } = softmaxLse(logits);
    // Mean over rows of Σ_k t_k·(lse − z_k) (the targets sum to 1 per row).
    const loss = tf.mul(tf.sum(tf.mul(tgt, tf.sub(lse, logits)), [1, 2]), 1 / N) as T1; // [G]
    // Accuracy against the dominant label (no gradient).
    const dominant = (): tf.Tensor => {
      const rows = targets.map((t) => {
        const [yA, yB] = [t.yA as T1, t.yB as T1];
        if (typeof t.lam === 'number') return t.lam >= 0.5 ? yA : yB;
        return tf.where(tf.broadcastTo(tf.greaterEqual(t.lam, 0.5), yA.shape), yA, yB);
      });
      return tf.reshape(cat(rows.map((d) => (d.dtype === 'int32' ? d : (tf.cast(d, 'int32') as T1)))), [
        G,
        N,
      ]);
    };
    const hit = tf.equal(tf.argMax(logits, 2), dominantRows ?? dominant());
    const acc = tf.mean(tf.cast(hit, 'float32'), 1) as T1;
    keep(p);
    keep(tgt);
    return {
      value: loss,
      side: { acc },
      grad: (dy: tf.Tensor) => {
        return tf.mul(tf.sub(p, tgt), tf.mul(tf.reshape(dy, [G, 1, 1]), 1 / N));
      },
    };
  });
  return { loss: value as T1, acc: side.acc };
}

/** The η-loss's reported parts (no gradient) and its differentiable objective. */
export interface EtaLossOut {
  total: tf.Scalar;
  local: tf.Scalar;
  global: tf.Scalar;
}

/** Per-row features of the η-loss, in this order (see `etaLossOp`). */
const ETA_FEATURES = 8; // lse, lse¬b, lse¬a, 0, z_b, z_a, sp(δ), sp(−δ)

/**
 * Coefficients of the η-loss's per-row values as linear maps of the row features
 * f = [lse, lse¬b, lse¬a, 0, z_b, z_a, softplus(δ), softplus(−δ)] (δ = z_b − z_a; lse¬c: without class c):
 * `W[j][f][o]` for rows of kind j (0: two classes, 1: one class) and output o (0 total, 1 local, 2 global).
 */
function etaCoefficients(lam: number, eta: number, global: EtaMode): number[][][] {
  const f = (o: Partial<Record<'lse' | 'lseNoB' | 'lseNoA' | 'zb' | 'za' | 'spP' | 'spN', number>>) => [
    o.lse ?? 0,
    o.lseNoB ?? 0,
    o.lseNoA ?? 0,
    0,
    o.zb ?? 0,
    o.za ?? 0,
    o.spP ?? 0,
    o.spN ?? 0,
  ];
  const ceA = f({ lse: 1, za: -1 });
  const mce = f({ lse: 1, za: -lam, zb: lam - 1 }); // λ·CE_a + (1 − λ)·CE_b
  const local = f({ spP: lam, spN: 1 - lam });
  const glob =
    global === 'rest' || global === 'codeFaithful'
      ? f({ lse: 1, za: -1, spP: -1 }) // CE_a − softplus(δ)
      : global === 'fullCE'
        ? mce
        : f({ lseNoB: lam, za: -lam, lseNoA: 1 - lam, zb: lam - 1 });
  const total = global === 'codeFaithful' ? mce : local.map((v, i) => v + eta * glob[i]);
  const zero = f({});
  const byKind = [
    [total, local, glob],
    [global === 'codeFaithful' ? mce : ceA, zero, ceA],
  ];
  return byKind.map((outs) => Array.from({ length: ETA_FEATURES }, (_, k) => outs.map((o) => o[k])));
}

/**
 * `etaBalancedLoss` (losses.ts) as one op, every mode through the same few kernels. Per row i the
 * loss values are linear in 8 features (`etaCoefficients`): the log-sum-exps of z, z without class b
 * and z without class a (one softmax over `[N, 3, K]`: z plus −1e9·one-hot of [nothing, b, a]), z_b,
 * z_a and softplus(±δ). The three batch means are then two small matrix products: the features summed
 * over all rows and over the one-class rows, times the coefficients.
 * Gradient: ∂f/∂z is p, p¬b, p¬a, e_b, e_a and ±σ(±δ)(e_b − e_a), so ∂total/∂z_i = κ_i·[p, p¬b, p¬a,
 * 0, e_b, e_a] with κ_i a product of the row's kind, [1, σ(δ), σ(−δ)] and constant coefficients.
 * @param logits `[N, K]`; @param yA `[N]` labels of weight λ; @param yB `[N]` labels of weight 1 − λ
 */
export function etaLossOp(
  logits: T2,
  yA: Labels,
  yB: Labels,
  lam: number,
  o: { eta: number; global: EtaMode },
): EtaLossOut {
  const [N, K] = logits.shape;
  const F = ETA_FEATURES;
  const [W2, W1] = etaCoefficients(lam, o.eta, o.global); // [feature][output]: two classes, one class
  const W = [W2, W1.map((row, f) => row.map((v, k) => v - W2[f][k]))]; // for the kind columns [1, same]
  const { value, side } = lossOp(logits, (saves) => {
    const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
    const int = (y: T1): T1 => (y.dtype === 'int32' ? y : (tf.cast(y, 'int32') as T1));
    const hostLabels = yA instanceof Int32Array && yB instanceof Int32Array;
    // oh `[N, 3, K]`: rows 0, e_b, e_a; kind `[1, N, 2]`: [1, same class] (column 1's coefficients
    // are the one-class minus the two-class ones). Host labels: both built here and uploaded.
    let oh: T3;
    let kind: T3;
    if (hostLabels) {
      const [a, b] = [yA as Int32Array, yB as Int32Array];
      const ohHost = new Float32Array(N * 3 * K);
      const kindHost = new Float32Array(2 * N);
      for (let n = 0; n < N; n++) {
        ohHost[(n * 3 + 1) * K + b[n]] = 1;
        ohHost[(n * 3 + 2) * K + a[n]] = 1;
        kindHost[2 * n] = 1;
        kindHost[2 * n + 1] = a[n] === b[n] ? 1 : 0;
      }
      oh = keep(tf.tensor3d(ohHost, [N, 3, K]));
      kind = keep(tf.tensor3d(kindHost, [1, N, 2]));
    } else {
      const [a, b] = [onDevice(yA), onDevice(yB)];
      const none = tf.tensor1d(new Int32Array(N).fill(-1), 'int32'); // one-hot of −1: a zero row
      oh = keep(tf.cast(tf.oneHot(tf.stack([none, int(b), int(a)], 1) as T2, K), 'float32') as T3);
      const same = tf.reshape(tf.cast(tf.equal(int(a), int(b)), 'float32'), [1, N, 1]);
      kind = keep(tf.concat([tf.ones([1, N, 1]), same], 2) as T3);
    }
    const z3 = tf.reshape(logits, [N, 1, K]);
    const zs = tf.add(z3, tf.mul(oh, MASKED_LOGIT)); // [N, 3, K]: z, z¬b, z¬a
    const zz = tf.sum(tf.mul(z3, oh), 2); // [N, 3]: 0, z_b, z_a
    const m = tf.max(zs, 2, true);
    const e = keep(tf.exp(tf.sub(zs, m)));
    const s = keep(tf.sum(e, 2, true)); // [N, 3, 1]
    const lse = tf.reshape(tf.add(tf.log(s), m), [N, 3]);
    const phi = tf.reshape(tf.concat([lse, zz], 1), [1, N, 6]) as T3; // lse, lse¬b, lse¬a, 0, z_b, z_a
    const toDelta = tf.tensor3d([0, 0, 0, 0, 0, 0, 0, 0, 1, -1, -1, 1], [1, 6, 2]); // → δ, −δ
    const d = keep(batchMatMul(phi, toDelta)); // [1, N, 2]
    const feats = tf.concat([phi, tf.softplus(d)], 2); // [1, N, F]
    const sums = batchMatMul(kind, feats as T3, true, false); // [1, 2, F]: Σ f, Σ same·f
    const coef = tf.tensor3d(
      W.flat(2).map((v) => v / N),
      [1, 2 * F, 3],
    );
    const out = tf.reshape(batchMatMul(tf.reshape(sums, [1, 1, 2 * F]) as T3, coef), [3]);
    const [total, local, global] = tf.unstack(out) as tf.Scalar[];
    return {
      value: total,
      side: { local, global },
      grad: (dy: tf.Tensor) => {
        // κ_i = Σ_{j,t} kind_ij·[1, σ(δ_i), σ(−δ_i)]_t·Wκ[j, t, :] over the rows [p, p¬b, p¬a, 0, e_b, e_a].
        const wk = W.flatMap((wj) => {
          const c = wj.map((row) => row[0] / N); // ∂total/∂feature for this kind
          return [
            [c[0], c[1], c[2], 0, c[4], c[5]],
            [0, 0, 0, 0, c[6], -c[6]],
            [0, 0, 0, 0, -c[7], c[7]],
          ];
        });
        const t = tf.concat([tf.ones([1, N, 1]), tf.sigmoid(d)], 2); // [1, N, 3]
        const u = tf.mul(tf.reshape(kind, [N, 2, 1]), tf.reshape(t, [N, 1, 3])); // [N, 2, 3]
        const kappa = batchMatMul(tf.reshape(u, [1, N, 6]) as T3, tf.tensor3d(wk.flat(), [1, 6, 6]));
        const q = tf.concat([tf.div(e, s), oh], 1) as T3; // [N, 6, K]
        const g = batchMatMul(tf.reshape(kappa, [N, 1, 6]) as T3, q); // [N, 1, K]
        return tf.mul(tf.reshape(g, [N, K]), dy);
      },
    };
  });
  return { total: value as tf.Scalar, local: side.local, global: side.global };
}
