/**
 * λ-exact masks (`maskFit`, a browser design choice, not in OpenMixup; docs/method.md): shift every
 * sample's mask logits u by one number β_n so that the mask's mean is exactly the target share t,
 *
 *   m_n = sigmoid(u_n + β_n),   mean_{h,w}(m_n) = t_n.
 *
 * The shift keeps the mask's layout (where it is high or low, and how sharp) and only moves its level,
 * so a near-binary mask stays near-binary. mean(sigmoid(u + β)) rises monotonically in β, is ≤ t at
 * β = logit(t) − max(u) and ≥ t at β = logit(t) − min(u); β_n is found in that bracket, then one
 * Newton step finishes (largest miss of the mean ~3e-5 on masks of any sharpness, maskFit.test.ts):
 *  - gpu graph (webgl/webgpu, where every kernel launch costs tens of µs): the mean at 64 points of
 *    the bracket in one batched pass, and the root of its piecewise-linear interpolant — about 30
 *    kernels;
 *  - cpu graph (wasm/cpu, where element-wise work costs and launches do not) and batches too large
 *    for the 64-point pass: 12 bisection steps.
 *
 * Gradient: β_n depends on the logits through the constraint Σ_i σ(u_i + β_n) = const, so
 * ∂β_n/∂u_j = −s'_j / Σ_i s'_i with s' = m(1 − m), and for a loss L:
 *   ∂L/∂u_j = s'_j · (g_j − Σ_i g_i s'_i / Σ_i s'_i),   g = ∂L/∂m.
 * That is the loss's gradient through the sigmoid with its level-changing part removed: the fitted
 * mask cannot be moved off its mean. The SAMix Mixer op (nets/mixerOp.ts) calls `fitLogits` and
 * `fitLogitsGrad` on its upsampled logits; `fitMaskMean` is the same fit for a mask given as values.
 */
import * as tf from '@tensorflow/tfjs';
import { activeFusedGraph } from './nets/engine';

type T4 = tf.Tensor4D;

/** Points of the bracket the gpu graph evaluates the mean at. */
const GRID = 64;
/** Largest rows × pixels × GRID evaluated at once (beyond it: bisection, which needs no big tensor). */
const GRID_ELEMENTS = 1 << 24;
/** Bisection steps of the cpu graph: the bracket (≤ ~30 logits) shrinks 2^12-fold before the Newton step. */
const BISECTIONS = 12;
/** Masks are clipped to [EPS, 1 − EPS] before taking logits in `fitMaskMean` (|logit| ≤ 13.8). */
const EPS = 1e-6;
/** Smallest distance of a Mixer mask's target mean from 0 and 1 (λ can reach 0 or 1 for tiny α). */
const TARGET_MARGIN = 1e-4;

/** The fit's target for a Mixer mask m (weight of x[σ]) at mixing ratio λ: 1 − λ, kept inside (0, 1). */
export function mixerFitTarget(lam: number): number {
  return Math.min(1 - TARGET_MARGIN, Math.max(TARGET_MARGIN, 1 - lam));
}

/** One target per sample, each checked to be inside (0, 1). */
function targetsFor(n: number, t: number | number[]): number[] {
  const targets = typeof t === 'number' ? new Array<number>(n).fill(t) : t;
  if (targets.length !== n) throw new RangeError(`maskFit: ${targets.length} targets for ${n} masks`);
  const bad = targets.find((v) => !(v > 0 && v < 1));
  if (bad !== undefined) throw new RangeError(`maskFit: target mean must be in (0, 1); got ${bad}`);
  return targets;
}

/** Bracket of β, `[N, 1, 1, 1]` each: mean ≤ t at lo and ≥ t at hi. `lt` = logit(t) `[N, 1, 1, 1]`. */
function bracket(u: T4, lt: T4): [T4, T4] {
  return [tf.sub(lt, tf.max(u, [1, 2, 3], true)), tf.sub(lt, tf.min(u, [1, 2, 3], true))];
}

/** gpu graph: the root of the piecewise-linear interpolant of the mean sampled at GRID points. */
function gridShift(u: T4, t: T4, lt: T4): T4 {
  const [lo, hi] = bracket(u, lt);
  const step = tf.mul(tf.sub(hi, lo), 1 / (GRID - 1)); // [N, 1, 1, 1]
  const ks = tf.tensor4d(
    Array.from({ length: GRID }, (_, k) => k),
    [1, 1, 1, GRID],
  );
  // The mean at every grid point: u `[N, H, W, 1]` + β_k `[N, 1, 1, K]` → `[N, 1, 1, K]`.
  const f = tf.mean(tf.sigmoid(tf.add(u, tf.add(lo, tf.mul(step, ks)))), [1, 2], true);
  const n = u.shape[0];
  const below = tf.slice(f, [0, 0, 0, 0], [n, 1, 1, GRID - 1]);
  const rise = tf.maximum(tf.sub(tf.slice(f, [0, 0, 0, 1], [n, 1, 1, GRID - 1]), below), 1e-30);
  // Interval k contributes the fraction of it the interpolant spends below t.
  const covered = tf.sum(tf.clipByValue(tf.div(tf.sub(t, below), rise), 0, 1), 3, true);
  return tf.add(lo, tf.mul(step, covered)) as T4;
}

/** cpu graph: bisection of the bracket. */
function bisectShift(u: T4, t: T4, lt: T4): T4 {
  let [lo, hi] = bracket(u, lt);
  for (let i = 0; i < BISECTIONS; i++) {
    const mid = tf.mul(tf.add(lo, hi), 0.5) as T4;
    const above = tf.greater(tf.mean(tf.sigmoid(tf.add(u, mid)), [1, 2, 3], true), t);
    hi = tf.where(above, mid, hi);
    lo = tf.where(above, lo, mid);
  }
  return tf.mul(tf.add(lo, hi), 0.5);
}

/**
 * The shift β `[N, 1, 1, 1]` with mean(sigmoid(u + β)) = t per sample. No gradient (a constant for
 * the caller: the fit's gradient is `fitLogitsGrad`).
 * @param u logits `[N, H, W, 1]`; @param targets one per sample, in (0, 1)
 */
export function fitShift(u: T4, targets: number[]): T4 {
  const [n, h, w] = u.shape;
  return tf.tidy(() => {
    const t = tf.tensor4d(targets, [n, 1, 1, 1]);
    const lt = tf.tensor4d(
      targets.map((v) => Math.log(v / (1 - v))),
      [n, 1, 1, 1],
    );
    const useGrid = activeFusedGraph() === 'gpu' && n * h * w * GRID <= GRID_ELEMENTS;
    const beta = useGrid ? gridShift(u, t, lt) : bisectShift(u, t, lt);
    // One Newton step.
    const s = tf.sigmoid(tf.add(u, beta));
    const slope = tf.mean(tf.mul(s, tf.sub(1, s)), [1, 2, 3], true);
    const miss = tf.sub(tf.mean(s, [1, 2, 3], true), t);
    return tf.sub(beta, tf.div(miss, tf.maximum(slope, 1e-12))) as T4;
  });
}

/**
 * Fitted masks from logits: sigmoid(u + β) with every sample's mean at its target.
 * @param u logits `[N, H, W, 1]`; @param t target mean(s) in (0, 1), one for all or one per sample
 */
export function fitLogits(u: T4, t: number | number[]): T4 {
  const targets = targetsFor(u.shape[0], t);
  return tf.tidy(() => tf.sigmoid(tf.add(u, fitShift(u, targets))) as T4);
}

/**
 * Gradient w.r.t. the logits u of a fitted mask (see the file comment).
 * @param m the fitted mask `[N, H, W, 1]`; @param dm ∂L/∂m, same shape
 */
export function fitLogitsGrad(m: T4, dm: T4): T4 {
  return tf.tidy(() => {
    const slope = tf.mul(m, tf.sub(1, m)); // s'
    const level = tf.div(
      tf.sum(tf.mul(dm, slope), [1, 2, 3], true),
      tf.add(tf.sum(slope, [1, 2, 3], true), 1e-12),
    );
    return tf.mul(slope, tf.sub(dm, level)) as T4;
  });
}

/**
 * Fits every sample's mask mean to its target (for masks given as values, e.g. the layer-by-layer
 * Mixer of nets/mixer.ts).
 * @param m masks `[N, H, W, 1]` in (0, 1)
 * @param t target mean in (0, 1), one for all samples or one per sample (length N); for the Mixer's
 *   mask m, the weight of x[σ], t = 1 − λ
 * @returns `[N, H, W, 1]`, each sample's mean equal to its target (to float precision)
 */
export function fitMaskMean(m: T4, t: number | number[]): T4 {
  const targets = targetsFor(m.shape[0], t);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const clipped = tf.clipByValue(input, EPS, 1 - EPS);
    const logits = tf.sub(tf.log(clipped), tf.log1p(tf.neg(clipped))) as T4;
    const fitted = tf.sigmoid(tf.add(logits, fitShift(logits, targets))) as T4;
    save([clipped, fitted]);
    return {
      value: fitted,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [c, out] = saved;
        // The chain to the input mask: ∂u/∂m = 1/(m(1 − m)).
        return tf.div(fitLogitsGrad(out as T4, dy as T4), tf.mul(c, tf.sub(1, c)));
      },
    };
  });
  return op(m) as T4;
}
