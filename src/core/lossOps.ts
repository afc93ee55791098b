/**
 * The training step's losses as custom-gradient ops (the same math as losses.ts, which stays the
 * reference and is what the spec tests check): one forward outside the gradient tape, and the
 * gradient with respect to the logits written out —
 *   soft-target CE:  ∂/∂z = (softmax(z) − t)/N,  t = λ·e_a + (1 − λ)·e_b;
 *   η-balanced loss: ∂/∂z = ∂local + η·∂global per row (see `etaLossOp`), same-class rows softmax − e_a.
 * With automatic differentiation these losses cost 200–300 kernels per step (every small op records
 * a tape node, clones its inputs and runs its gradient kernels); as ops, a few dozen.
 *
 * Values the step only reports (accuracy, the local and global parts) are computed in the forward
 * and returned as plain tensors: they carry no gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { EtaMode } from './config';
import { gatherRows, isTaping } from './nets/kernels';
import { Saves } from './nets/saves';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;

/** Logit offset that removes a class from a log-sum-exp (as in losses.ts). */
const MASKED_LOGIT = -1e9;

/** Targets of one group: label weight λ on yA and 1 − λ on yB (λ a number, or per row `[N]`). */
export interface SoftTarget {
  yA: T1;
  yB: T1;
  lam: number | tf.Tensor;
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

type LossForward<R> = (saves: Saves | null) => {
  value: tf.Tensor;
  side: R;
  grad: (dy: tf.Tensor) => tf.Tensor;
};

/**
 * Runs `forward` as a custom-gradient op of `x` when a tape records, else plainly. The side values
 * come back as tensors of the caller's scope.
 */
function lossOp<R extends Record<string, tf.Tensor>>(
  x: tf.Tensor,
  forward: LossForward<R>,
): { value: tf.Tensor; side: R } {
  if (!isTaping()) {
    const r = forward(null);
    return { value: r.value, side: r.side };
  }
  let side: R | null = null;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    void args;
    const saves = new Saves();
    const r = forward(saves);
    for (const t of Object.values(r.side)) tf.keep(t);
    side = r.side;
    return {
      value: r.value,
      gradFunc: (dy: tf.Tensor) => {
        try {
          return tf.tidy(() => r.grad(dy));
        } finally {
          saves.release();
        }
      },
    };
  });
  const value = op(x);
  const own = Object.fromEntries(
    Object.entries(side!).map(([k, t]) => {
      const c = tf.clone(t);
      t.dispose();
      return [k, c];
    }),
  ) as R;
  return { value, side: own };
}

/**
 * Mean soft-target cross-entropy of G groups of logits, in one op: group g's rows have target
 * λ_g·onehot(yA_g) + (1 − λ_g)·onehot(yB_g) (plain CE: λ = 1). Equals `mixupCE` / `crossEntropy`.
 * @param logits `[G, N, K]`
 * @returns per-group losses `[G]` (differentiable) and per-group accuracy `[G]` against the dominant
 *   label (yA where λ ≥ ½, else yB; no gradient)
 */
export function softTargetCE(logits: T3, targets: SoftTarget[]): { loss: T1; acc: T1 } {
  const [G, N, K] = logits.shape;
  if (targets.length !== G) throw new Error(`${targets.length} targets for ${G} groups`);
  const { value, side } = lossOp(logits, (saves) => {
    const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
    const cat = (ts: tf.Tensor[]): tf.Tensor => (ts.length === 1 ? ts[0] : tf.concat(ts));
    const ohA = tf.reshape(oneHotF(cat(targets.map((t) => t.yA)), K), [G, N, K]);
    const plain = targets.every((t) => t.yB === t.yA || t.lam === 1);
    let tgt: tf.Tensor = ohA;
    if (!plain) {
      const ohB = tf.reshape(oneHotF(cat(targets.map((t) => t.yB)), K), [G, N, K]);
      const lam = targets.every((t) => typeof t.lam === 'number')
        ? tf.tensor(
            targets.map((t) => t.lam as number),
            [G, 1, 1],
          )
        : tf.reshape(
            cat(
              targets.map((t) =>
                typeof t.lam === 'number' ? tf.fill([N], t.lam) : tf.broadcastTo(t.lam, [N]),
              ),
            ),
            [G, N, 1],
          );
      tgt = tf.add(ohB, tf.mul(lam, tf.sub(ohA, ohB)));
    }
    const { p, lse } = softmaxLse(logits);
    const rows = tf.sub(lse, tf.sum(tf.mul(tgt, logits), 2, true)); // [G, N, 1]
    const loss = tf.reshape(tf.mean(rows, [1, 2]), [G]) as T1;
    // Accuracy against the dominant label (no gradient).
    const dominant = targets.map((t) => {
      if (typeof t.lam === 'number') return t.lam >= 0.5 ? t.yA : t.yB;
      return tf.where(tf.broadcastTo(tf.greaterEqual(t.lam, 0.5), t.yA.shape), t.yA, t.yB);
    });
    const hit = tf.equal(
      tf.argMax(logits, 2),
      tf.reshape(cat(dominant.map((d) => (d.dtype === 'int32' ? d : tf.cast(d, 'int32')))), [G, N]),
    );
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

/**
 * `etaBalancedLoss` (losses.ts) as one op. Gradient of the objective per row with a ≠ b, δ = z_b − z_a:
 *   local = λ·sp(δ) + (1 − λ)·sp(−δ):  ∂ = (λσ(δ) − (1 − λ)σ(−δ))·(e_b − e_a)
 *   decoupled: ∂ = λ(p^{¬b} − e_a) + (1 − λ)(p^{¬a} − e_b)   (p^{¬c}: softmax without class c)
 *   rest:      ∂ = p − σ(−δ)e_a − σ(δ)e_b;    fullCE: ∂ = p − λe_a − (1 − λ)e_b
 *   objective = local + η·global; codeFaithful: objective = mixup CE, ∂ = p − λe_a − (1 − λ)e_b.
 * Same-class rows: CE, ∂ = p − e_a. All means over the N rows.
 * @param logits `[N, K]`; @param yA `[N]` labels of weight λ; @param yB `[N]` labels of weight 1 − λ
 */
export function etaLossOp(
  logits: T2,
  yA: T1,
  yB: T1,
  lam: number,
  o: { eta: number; global: EtaMode },
): EtaLossOut {
  const [N, K] = logits.shape;
  const { value, side } = lossOp(logits, (saves) => {
    const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
    const oa = oneHotF(yA, K);
    const ob = oneHotF(yB, K);
    const za = tf.sum(tf.mul(logits, oa), 1); // [N]
    const zb = tf.sum(tf.mul(logits, ob), 1);
    // Rows with two different classes (same-class rows are plain CE): a 0/1 weight, not tf.where
    // (which broadcasts every operand: up to 4 kernels).
    const diff = tf.sub(1, tf.cast(tf.equal(yA, yB), 'float32')); // [N]
    const decoupled = o.global === 'decoupled';
    // The softmaxes this mode needs in one batch: z, and for `decoupled` z without b and without a.
    const zs = decoupled
      ? tf.concat([
          logits,
          tf.add(logits, tf.mul(ob, MASKED_LOGIT)),
          tf.add(logits, tf.mul(oa, MASKED_LOGIT)),
        ])
      : logits; // [S·N, K]
    const sm = softmaxLse(zs);
    const ps = decoupled ? tf.split(sm.p, 3) : [sm.p];
    const lses = decoupled ? tf.unstack(tf.reshape(sm.lse, [3, N])) : [tf.reshape(sm.lse, [N])];
    const [p, pNoB, pNoA] = ps;
    const lse = lses[0];
    const ceA = tf.sub(lse, za);
    const delta = tf.sub(zb, za);
    const local = tf.add(tf.mul(lam, tf.softplus(delta)), tf.mul(1 - lam, tf.softplus(tf.neg(delta))));
    const mce = (): tf.Tensor => tf.add(tf.mul(lam, ceA), tf.mul(1 - lam, tf.sub(lse, zb)));
    let glob: tf.Tensor;
    if (o.global === 'rest' || o.global === 'codeFaithful') glob = tf.sub(ceA, tf.softplus(delta));
    else if (o.global === 'fullCE') glob = mce();
    else glob = tf.add(tf.mul(lam, tf.sub(lses[1], za)), tf.mul(1 - lam, tf.sub(lses[2], zb)));
    // Same-class rows: local 0, global = total = CE(z, a).
    const localRow = tf.mul(local, diff);
    const globalRow = tf.add(ceA, tf.mul(tf.sub(glob, ceA), diff));
    const totalRow =
      o.global === 'codeFaithful'
        ? mce()
        : tf.add(ceA, tf.mul(tf.sub(tf.add(local, tf.mul(glob, o.eta)), ceA), diff));
    const total = tf.mean(totalRow) as tf.Scalar;
    for (const t of [p, oa, ob, delta, diff]) keep(t);
    if (decoupled) {
      keep(pNoA);
      keep(pNoB);
    }
    return {
      value: total,
      side: { local: tf.mean(localRow) as tf.Scalar, global: tf.mean(globalRow) as tf.Scalar },
      grad: (dy: tf.Tensor) => {
        const col = (t: tf.Tensor) => tf.reshape(t, [N, 1]);
        const mixT = tf.add(tf.mul(lam, oa), tf.mul(1 - lam, ob)); // λe_a + (1 − λ)e_b
        let gDiff: tf.Tensor;
        if (o.global === 'codeFaithful') {
          gDiff = tf.sub(p, mixT);
        } else {
          const sigPos = tf.sigmoid(delta); // σ(δ)
          const sigNeg = tf.sub(1, sigPos); // σ(−δ)
          const cLocal = tf.sub(tf.mul(sigPos, lam), tf.mul(sigNeg, 1 - lam)); // λσ(δ) − (1 − λ)σ(−δ)
          const dl = tf.mul(col(cLocal), tf.sub(ob, oa));
          let dGlob: tf.Tensor;
          if (o.global === 'rest')
            dGlob = tf.sub(p, tf.add(tf.mul(col(sigNeg), oa), tf.mul(col(sigPos), ob)));
          else if (o.global === 'fullCE') dGlob = tf.sub(p, mixT);
          else dGlob = tf.sub(tf.add(tf.mul(pNoB, lam), tf.mul(pNoA, 1 - lam)), mixT);
          gDiff = tf.add(dl, tf.mul(dGlob, o.eta));
        }
        const gSame = tf.sub(p, oa);
        const g = tf.add(gSame, tf.mul(tf.sub(gDiff, gSame), col(diff)));
        return tf.mul(g, tf.mul(dy, 1 / N));
      },
    };
  });
  return { total: value as tf.Scalar, local: side.local, global: side.global };
}

/**
 * `mixWithMask` (mask.ts) as one op differentiable w.r.t. the mask only (x is data):
 * x̃ = x + m·(x[σ] − x), ∂/∂m = Σ_c ∂x̃·(x[σ] − x).
 * @param x `[N, H, W, C]`; @param m `[N, H, W, 1]` weight of x[σ]
 */
export function mixWithMaskOp(x: tf.Tensor4D, perm: Int32Array, m: tf.Tensor4D): tf.Tensor4D {
  const { value } = lossOp(m, (saves) => {
    const diff = tf.sub(gatherRows(x, perm), x);
    if (saves) saves.keep(diff);
    return {
      value: tf.add(x, tf.mul(m, diff)),
      side: {},
      grad: (dy: tf.Tensor) => tf.sum(tf.mul(dy, diff), 3, true),
    };
  });
  return value as tf.Tensor4D;
}

/** The Mixer's weighted mask loss and its two reported parts (mask.ts). */
export interface MaskLossOut {
  /** w·(L1 − 2·Var), or w·L1 in mode `l1` (differentiable). */
  loss: tf.Scalar;
  l1: tf.Scalar;
  variance: tf.Scalar;
}

/**
 * `maskLossParts` + `maskLoss` (mask.ts) as one op: L1 = max(|1 − m̄ − λ| − ε, 0), Var = mean((m − m̄)²),
 * ∂L1/∂m = −[|t| > ε]·sign(t)/M with t = 1 − m̄ − λ, ∂Var/∂m = 2(m − m̄)/M.
 * @param m `[N, H, W, 1]` weight of x[σ]
 */
export function maskLossOp(
  m: tf.Tensor4D,
  lam: number,
  o: { mode: 'l1' | 'l1+var'; margin: number; weight: number },
): MaskLossOut {
  const M = m.size;
  const { value, side } = lossOp(m, (saves) => {
    const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
    const mean = tf.mean(m);
    const t = keep(tf.sub(1 - lam, mean)); // 1 − m̄ − λ
    const l1 = tf.relu(tf.sub(tf.abs(t), o.margin)) as tf.Scalar;
    const cen = keep(tf.sub(m, mean));
    const variance = tf.mean(tf.square(cen)) as tf.Scalar;
    const unweighted = o.mode === 'l1' ? l1 : tf.sub(l1, tf.mul(variance, 2));
    return {
      value: tf.mul(unweighted, o.weight),
      side: { l1, variance },
      grad: (dy: tf.Tensor) => {
        const s = tf.mul(dy, o.weight);
        // −[|t| > ε]·sign(t)/M (TF.js: the subgradient of |t| at 0 is −1, of relu at 0 is 0)
        const c1 = tf.mul(tf.mul(tf.step(tf.sub(tf.abs(t), o.margin)), tf.step(t, -1)), -1 / M);
        const g = o.mode === 'l1' ? tf.broadcastTo(c1, m.shape) : tf.add(tf.mul(cen, -4 / M), c1);
        return tf.mul(g, s);
      },
    };
  });
  return { loss: value as tf.Scalar, l1: side.l1 as tf.Scalar, variance: side.variance as tf.Scalar };
}
