/**
 * The SAMix Mixer (mixer.ts has the math and the layer-by-layer reference) as ONE custom-gradient
 * op over several passes.
 *
 * A SAMix step runs the Mixer twice on the same features Z: for the Mixer objective (σ_mb, λ_mb,
 * differentiated w.r.t. φ) and for the backbone (σ_bb, λ_bb, no gradient). Here the passes form one
 * batch of G·N rows — each pass with its own value-net BN statistics, recorded in pass order, so the
 * math is exactly that of separate passes — and only pass 0 carries a gradient; the other masks are
 * plain tensors. The backward is written out (sigmoid, bilinear-resize gradient, attention
 * P·v and softmax, the 1×1 convs, ELU and BN), about 45 kernels instead of ~150 of automatic
 * differentiation with its tape copies. Z is the momentum encoder's output: no gradient flows to it.
 */
import * as tf from '@tensorflow/tfjs';
import { fitLogitsGrad, fitShift, mixerFitTarget } from '../maskFit';
import { currentSection, withSection } from '../perf';
import { lamRescale } from '../schedule';
import { BN_EPSILON, type BnRecord } from './batchNorm';
import type { Viewed } from './flat';
import { batchMatMul, gatherRows, groupRowMean, isTaping, matMulTransA, rsqrtEps, sumRows } from './kernels';
import type { SamixMixerParams } from './mixer';
import { opParams } from './opParams';
import { Saves } from './saves';

type T4 = tf.Tensor4D;
type T3 = tf.Tensor3D;
type Params = SamixMixerParams | Viewed<SamixMixerParams>;

/** One pass: σ (Z_b = Z[σ]) and λ. */
export interface MixerPass {
  perm: Int32Array;
  lam: number;
}

export interface MixerPassOptions {
  /** Mask size `[H, W]`. */
  outSize: [number, number];
  /** λ rescale constant k (−1 = identity). */
  lamMulK: number;
  /** Where the value-net BN records its statistics (one packed record, passes in order). */
  bnUpdates?: BnRecord[];
  /** logits = P·V + V (`mixerLocal`, see mixer.ts). */
  local?: boolean;
  /** Fit each mask's mean to 1 − λ of its pass (`maskFit`, maskFit.ts). */
  fit?: boolean;
}

interface Rec {
  X: T3; // [1, R, 2C] concat(Z_a, Z_b)
  Q3: T3; // [GN, hw, d]
  K3: T3;
  P: T3; // attention [GN, hw, hw]
  v3: T3; // value scores [GN, hw, 1]
  logits: T4; // [GN, h, w, 1]
  m: T4; // masks [GN, H, W, 1]
  Zb: T3; // [1, R, C]
  e: T3; // ELU output [G, N·hw, d]
  cen: T3; // centred value features [G, N·hw, d]
  r: T3; // 1/σ [G, 1, d]
  a: T3; // γ/σ [G, 1, d]
  W2: T3; // [1, d, 1]
}

function forward(p: Params, z: T4, passes: MixerPass[], o: MixerPassOptions, saves: Saves | null): Rec {
  const keep = <T extends tf.Tensor>(t: T): T => (saves ? saves.keep(t) : t);
  const [N, h, w, C] = z.shape;
  const G = passes.length;
  const hw = h * w;
  const R = G * N * hw;
  const d = p.valueBn.gamma.shape[0]; // (leaves may be flat views, see samixMixerPasses)
  const perm = new Int32Array(G * N);
  const sa = new Float32Array(G * N);
  const sb = new Float32Array(G * N);
  passes.forEach((ps, g) => {
    perm.set(ps.perm, g * N);
    const hat = lamRescale(ps.lam, o.lamMulK);
    sa.fill(1 + hat, g * N, (g + 1) * N);
    sb.fill(2 - hat, g * N, (g + 1) * N);
  });
  // λ encoding: Z_a = Z·(1 + λ̂), Z_b = Z[σ]·(2 − λ̂), per pass.
  const zb = tf.mul(gatherRows(z, perm), tf.tensor(sb, [G * N, 1, 1, 1])) as T4;
  const za = tf.mul(G === 1 ? z : tf.concat(new Array<T4>(G).fill(z)), tf.tensor(sa, [G * N, 1, 1, 1]));
  const X = keep(tf.reshape(tf.concat([za, zb], 3), [1, R, 2 * C]) as T3);
  // Q, K: 1×1 convs with bias as row-wise products; P = softmax(QKᵀ/√d) per image.
  const Q3 = keep(
    tf.reshape(tf.add(batchMatMul(X, tf.reshape(p.query.w, [1, 2 * C, d]) as T3), p.query.b), [
      G * N,
      hw,
      d,
    ]) as T3,
  );
  const K3 = keep(
    tf.reshape(tf.add(batchMatMul(X, tf.reshape(p.key.w, [1, 2 * C, d]) as T3), p.key.b), [
      G * N,
      hw,
      d,
    ]) as T3,
  );
  const P = keep(tf.softmax(tf.mul(batchMatMul(Q3, K3, false, true), 1 / Math.sqrt(d))) as T3);
  // Value net on Z_b: 1×1 conv C → d, BN (statistics per pass), ELU, 1×1 conv d → 1.
  const Zb = keep(tf.reshape(zb, [1, R, C]) as T3);
  const v1 = tf.reshape(batchMatMul(Zb, tf.reshape(p.value1, [1, C, d]) as T3), [G, N * hw, d]) as T3;
  const mu = groupRowMean(v1, G);
  const cen = keep(tf.sub(v1, mu) as T3);
  const variance = groupRowMean(tf.square(cen), G);
  const r = keep(rsqrtEps(variance, BN_EPSILON) as T3);
  const a = keep(tf.mul(r, p.valueBn.gamma) as T3);
  const e = keep(tf.elu(tf.add(tf.mul(cen, a), p.valueBn.beta)) as T3);
  if (o.bnUpdates) {
    o.bnUpdates.push({ layers: [p.valueBn], stats: tf.keep(tf.concat([mu, variance], 2)), counts: [N * hw] });
  }
  const W2 = keep(tf.reshape(p.value2, [1, d, 1]) as T3);
  const v3 = keep(tf.reshape(batchMatMul(tf.reshape(e, [1, R, d]) as T3, W2), [G * N, hw, 1]) as T3);
  const pooled = batchMatMul(P, v3); // [GN, hw, 1]
  const logits = keep(tf.reshape(o.local ? tf.add(pooled, v3) : pooled, [G * N, h, w, 1]) as T4);
  const up = tf.image.resizeBilinear(logits, o.outSize, false, true) as T4;
  // maskFit: every pass's masks shifted to mean 1 − λ of the pass (a constant shift per mask).
  const targets = passes.flatMap((ps) => new Array<number>(N).fill(mixerFitTarget(ps.lam)));
  const m = keep(tf.sigmoid(o.fit ? tf.add(up, fitShift(up, targets)) : up) as T4);
  return { X, Q3, K3, P, v3, logits, m, Zb, e, cen, r, a, W2 };
}

/**
 * Gradients by leaf of pass 0's mask; `dm0` `[N, H, W, 1]`. Matrix gradients come flat (`[rows·cols]`,
 * ready for the flat gradient); constant factors are left to `scales` (applied with the whole flat
 * gradient): 1/√d for the query and key parameters, the value-BN's M for γ and β.
 */
function backward(p: Params, f: Rec, dm0: T4, G: number, local: boolean, fit: boolean): Grads {
  const [GN, H, W] = f.m.shape;
  const [, hw, d] = f.Q3.shape;
  const R = f.X.shape[1];
  const rows = R / G; // N·hw per pass
  const dm = G === 1 ? dm0 : (tf.concat([dm0, tf.zeros([GN - dm0.shape[0], H, W, 1])]) as T4);
  const dUp = fit ? fitLogitsGrad(f.m, dm) : (tf.mul(dm, tf.mul(f.m, tf.sub(1, f.m))) as T4); // sigmoid'
  const dLog = tf
    .engine()
    .runKernel(
      'ResizeBilinearGrad',
      { images: f.logits, dy: dUp },
      { alignCorners: false, halfPixelCenters: true },
    );
  const dL = tf.reshape(dLog as tf.Tensor, [GN, hw, 1]) as T3;
  // logits = P·v (+ v with `local`)
  const dP = batchMatMul(dL, f.v3, false, true); // [GN, hw, hw]
  const dPool = batchMatMul(f.P, dL, true, false); // [GN, hw, 1]
  const dv3 = local ? tf.add(dPool, dL) : dPool;
  // softmax: √d·∂/∂(QKᵀ) = P ⊙ (dP − Σ_j dP·P); the 1/√d goes to the scales
  const dS = tf.mul(f.P, tf.sub(dP, tf.sum(tf.mul(dP, f.P), 2, true))) as T3;
  const dQ = tf.reshape(batchMatMul(dS, f.K3), [1, R, d]) as T3;
  const dK = tf.reshape(batchMatMul(dS, f.Q3, true, false), [1, R, d]) as T3;
  const g = new Map<tf.Tensor, tf.Tensor>();
  const scales = new Map<tf.Tensor, number>();
  const inv = 1 / Math.sqrt(d);
  g.set(p.query.w, matMulTransA(f.X, dQ, hw, true)); // [2C·d]
  g.set(p.query.b, sumRows(dQ));
  g.set(p.key.w, matMulTransA(f.X, dK, hw, true));
  g.set(p.key.b, sumRows(dK));
  for (const leaf of [p.query.w, p.query.b, p.key.w, p.key.b]) scales.set(leaf, inv);
  // value net
  const dv = tf.reshape(dv3, [1, R, 1]) as T3;
  g.set(p.value2, matMulTransA(f.e, dv, hw, true)); // [d]
  const de = tf.reshape(batchMatMul(dv, f.W2, false, true), [G, rows, d]);
  const dBn = tf.engine().runKernel('EluGrad', { dy: de, y: f.e }) as T3;
  const xhat = tf.mul(f.cen, f.r);
  const mBeta = groupRowMean(dBn, G); // dβ/M per pass [G, 1, d]
  const mGamma = groupRowMean(tf.mul(dBn, xhat), G); // dγ/M per pass
  const dV1 = tf.mul(tf.sub(tf.sub(dBn, mBeta), tf.mul(xhat, mGamma)), f.a); // [G, N·hw, d]
  g.set(p.valueBn.gamma, tf.sum(mGamma, [0, 1]));
  g.set(p.valueBn.beta, tf.sum(mBeta, [0, 1]));
  scales.set(p.valueBn.gamma, rows);
  scales.set(p.valueBn.beta, rows);
  g.set(p.value1, matMulTransA(f.Zb, dV1, hw, true)); // [C·d]
  return { byLeaf: g, scales };
}

interface Grads {
  byLeaf: Map<tf.Tensor, tf.Tensor>;
  scales: Map<tf.Tensor, number>;
}

/**
 * Masks m (weight of the shuffled image) of G SAMix Mixer passes over the same features, as one op.
 * Pass 0's mask is differentiable w.r.t. φ (when a tape records); the others are not. With `o.fit`
 * each pass's masks have mean 1 − λ of the pass (maskFit.ts), fitted inside the op.
 * @param z `[N, h, w, C]` features of the momentum encoder (a constant)
 * @returns one mask `[N, H, W, 1]` per pass
 */
export function samixMixerPasses(p: Params, z: T4, passes: MixerPass[], o: MixerPassOptions): T4[] {
  const G = passes.length;
  const params = opParams(p, [p], true);
  if (!isTaping() || params.inputs.length === 0) return tf.split(forward(p, z, passes, o, null).m, G) as T4[];
  let others: T4[] = [];
  const sec = currentSection();
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    void args;
    const saves = new Saves();
    const f = forward(p, z, passes, o, saves);
    const masks = tf.split(f.m, G) as T4[];
    others = masks.slice(1).map((t) => tf.keep(t));
    return {
      value: masks[0],
      gradFunc: (dy: tf.Tensor) =>
        withSection(sec, () =>
          tf.tidy(() => {
            try {
              const b = backward(p, f, dy as T4, G, o.local === true, o.fit === true);
              return params.gradients(b.byLeaf, b.scales);
            } finally {
              saves.release();
            }
          }),
        ),
    };
  });
  const m0 = op(...params.inputs) as T4;
  // The other passes' masks become tensors of the caller's scope (no gradient).
  return [
    m0,
    ...others.map((t) => {
      const c = tf.clone(t);
      t.dispose();
      return c;
    }),
  ];
}
