/**
 * A trainable 2-D convolution for every TF.js backend.
 *
 * TF.js 4.22's wasm backend has no `Conv2DBackpropFilter` kernel, and the Node `cpu` kernel for it is
 * extremely slow. On those two backends `conv2d` is a `tf.customGrad` op whose
 * forward is the native `tf.conv2d` and whose gradients use kernels wasm has:
 *
 * - filter gradient, two interchangeable strategies (`ConvMode`, nets/engine.ts):
 *   - `im2col`: the kh·kw shifted, strided views of the padded input are concatenated along channels
 *     into `[B·Ho·Wo, kh·kw·Ci]` and multiplied ONCE with the output gradient `[B·Ho·Wo, Co]`
 *     (this mode takes its input gradient from `tf.conv2dTranspose`);
 *   - `corr` (default): the same sum written as one convolution with the batch as the channel axis,
 *     dW[i,j,ci,co] = Σ_{b,y,x} x̃[b, y·s+i, x·s+j, ci]·dy[b,y,x,co] = conv2d(x̃ᵀ `[Ci, Hp, Wp, B]`,
 *     dyᵀ `[Ho, Wo, B, Co]`, dilation s) → `[Ci, kh, kw, Co]`. It runs on the fast (XNNPACK) forward
 *     conv kernel: on wasm 5–20× faster than the im2col product with a third of the kernels.
 * - input gradient (`corr`): a forward conv of the (zero-upsampled, padded) dy with the flipped,
 *   channel-swapped filter — again the fast forward kernel (wasm's Conv2DBackpropInput is ~8× slower).
 *
 * On webgl/webgpu the native op (and its native gradients) is used.
 */
import * as tf from '@tensorflow/tfjs';
import { activeConvMode } from './engine';
import { conv2dBackpropFilter, conv2dBackpropInput } from './kernels';

export type ConvPad = 'same' | 'valid';

/**
 * Padding TF.js applies for `pad` (same rule as its conv_util): [before, after].
 * @param size input extent H or W; @param k kernel extent; @param out output extent
 */
function padAmounts(size: number, k: number, stride: number, out: number, pad: ConvPad): [number, number] {
  if (pad === 'valid') return [0, 0];
  const total = Math.max(0, (out - 1) * stride + k - size);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/**
 * The padded input cropped to exactly the extent the conv reads: `[B, (Ho−1)s+kh, (Wo−1)s+kw, Ci]`.
 */
function readWindow(
  x: tf.Tensor4D,
  kh: number,
  kw: number,
  ho: number,
  wo: number,
  stride: number,
  pad: ConvPad,
): tf.Tensor4D {
  const [b, h, w, ci] = x.shape;
  const [pt, pb] = padAmounts(h, kh, stride, ho, pad);
  const [pl, pr] = padAmounts(w, kw, stride, wo, pad);
  const xp =
    pt + pb + pl + pr > 0
      ? tf.pad(x, [
          [0, 0],
          [pt, pb],
          [pl, pr],
          [0, 0],
        ])
      : x; // [B, Hp, Wp, Ci]
  const hn = (ho - 1) * stride + kh;
  const wn = (wo - 1) * stride + kw;
  return xp.shape[1] === hn && xp.shape[2] === wn ? xp : tf.slice(xp, [0, 0, 0, 0], [b, hn, wn, ci]);
}

/**
 * Filter gradient by one im2col matrix product.
 * @param x input `[B, H, W, Ci]`
 * @param dy output gradient `[B, Ho, Wo, Co]`
 * @returns dW `[kh, kw, Ci, Co]`
 */
export function conv2dFilterGradIm2col(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kh: number,
  kw: number,
  stride: number,
  pad: ConvPad,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, , , Ci] = x.shape;
    const [, Ho, Wo, Co] = dy.shape;
    const xp = readWindow(x, kh, kw, Ho, Wo, stride, pad); // [B, (Ho−1)s+kh, (Wo−1)s+kw, Ci]
    const taps: tf.Tensor4D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const end = [B, i + (Ho - 1) * stride + 1, j + (Wo - 1) * stride + 1, Ci];
        const whole = stride === 1 && kh === 1 && kw === 1;
        taps.push(
          whole ? xp : (tf.stridedSlice(xp, [0, i, j, 0], end, [1, stride, stride, 1]) as tf.Tensor4D),
        ); // [B, Ho, Wo, Ci]
      }
    }
    const patches = taps.length === 1 ? taps[0] : tf.concat(taps, 3); // [B, Ho, Wo, kh·kw·Ci]
    const cols = tf.reshape(patches, [B * Ho * Wo, kh * kw * Ci]);
    const dw = tf.matMul(cols, tf.reshape(dy, [B * Ho * Wo, Co]), true, false); // [kh·kw·Ci, Co]
    return tf.reshape(dw, [kh, kw, Ci, Co]) as tf.Tensor4D;
  });
}

/**
 * Filter gradient as one convolution with the batch as the channel axis (see the file comment).
 * @param x input `[B, H, W, Ci]`; @param dy output gradient `[B, Ho, Wo, Co]`
 * @returns dW `[kh, kw, Ci, Co]`
 */
export function conv2dFilterGradCorr(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kh: number,
  kw: number,
  stride: number,
  pad: ConvPad,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, Ho, Wo] = dy.shape;
    const xp = readWindow(x, kh, kw, Ho, Wo, stride, pad); // [B, (Ho−1)s+kh, (Wo−1)s+kw, Ci]
    const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, Hp, Wp, B]
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, B, Co]
    const corr = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', stride); // [Ci, kh, kw, Co]
    return tf.transpose(corr, [1, 2, 0, 3]) as tf.Tensor4D; // [kh, kw, Ci, Co]
  });
}

/**
 * Input gradient as a forward conv (fast XNNPACK path on wasm): dy is zero-upsampled by the stride
 * (for stride > 1), padded for a full correlation and convolved with the flipped, channel-swapped
 * filter: dx[h] = Σ_i u[h + pt − i]·w[i] with u the upsampled dy.
 * @param dy `[B, Ho, Wo, Co]`; @param w `[kh, kw, Ci, Co]`
 * @returns dx `[B, H, W, Ci]`
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: [number, number, number, number],
  stride: number,
  pad: ConvPad,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, H, W] = xShape;
    const [kh, kw, , Co] = w.shape;
    const [, Ho, Wo] = dy.shape;
    const [pt] = padAmounts(H, kh, stride, Ho, pad);
    const [pl] = padAmounts(W, kw, stride, Wo, pad);
    let u: tf.Tensor4D = dy;
    if (stride > 1) {
      const spread = tf.reshape(dy, [B, Ho, 1, Wo, 1, Co]);
      const zeros = tf.pad(spread, [
        [0, 0],
        [0, 0],
        [0, stride - 1],
        [0, 0],
        [0, stride - 1],
        [0, 0],
      ]);
      u = tf.reshape(zeros, [B, Ho * stride, Wo * stride, Co]); // [B, Ho·s, Wo·s, Co], dy at multiples of s
    }
    // Border so that the 'valid' correlation yields exactly H×W: rows −(kh−1−pt) .. H−1+pt of u.
    const top = kh - 1 - pt;
    const left = kw - 1 - pl;
    const bottom = H + pt - u.shape[1];
    const right = W + pl - u.shape[2];
    const padded = tf.pad(u, [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ]);
    const needH = H + kh - 1;
    const needW = W + kw - 1;
    const window =
      padded.shape[1] === needH && padded.shape[2] === needW
        ? padded
        : tf.slice(padded, [0, 0, 0, 0], [B, needH, needW, Co]); // [B, H+kh−1, W+kw−1, Co]
    const wFlip = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Co, Ci]
    return tf.conv2d(window as tf.Tensor4D, wFlip, 1, 'valid'); // [B, H, W, Ci]
  });
}

/**
 * conv2d with a custom gradient built from kernels every backend has.
 * @param x `[B, H, W, Ci]`; @param w filter `[kh, kw, Ci, Co]`
 * @param filterGrad 'corr' (fast) or 'im2col' (im2col dW + conv2dTranspose dx)
 * @returns `[B, Ho, Wo, Co]` (Ho = ⌈H/stride⌉ for 'same')
 */
export function conv2dCustomGrad(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  pad: ConvPad,
  filterGrad: 'corr' | 'im2col' = 'corr',
): tf.Tensor4D {
  // A frozen filter (a non-trainable variable, e.g. the momentum encoder's) can never receive an
  // update: gradients only flow THROUGH it, so its filter gradient is skipped (returned as zeros).
  const frozen = w instanceof tf.Variable && !w.trainable;
  const dW = filterGrad === 'corr' ? conv2dFilterGradCorr : conv2dFilterGradIm2col;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xIn, wIn, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xIn, wIn]);
    return {
      value: tf.conv2d(xIn, wIn, stride, pad),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        const dx =
          filterGrad === 'im2col'
            ? tf.conv2dTranspose(dy4, ws, xs.shape, stride, pad)
            : conv2dInputGrad(dy4, ws, xs.shape, stride, pad); // [B, H, W, Ci]
        const dw = frozen ? tf.zerosLike(ws) : dW(xs, dy4, ws.shape[0], ws.shape[1], stride, pad);
        return [dx, dw];
      },
    };
  });
  return op(x, w) as tf.Tensor4D;
}

/**
 * The conv used by every network: custom gradient on wasm/cpu, native elsewhere (see `ConvMode`).
 * @param x `[B, H, W, Ci]`
 * @param w `[kh, kw, Ci, Co]`
 * @param stride 1 or 2
 * @param pad 'same' (default) or 'valid'
 * @returns `[B, Ho, Wo, Co]`
 */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride = 1, pad: ConvPad = 'same'): tf.Tensor4D {
  const mode = activeConvMode();
  return mode === 'native' ? tf.conv2d(x, w, stride, pad) : conv2dCustomGrad(x, w, stride, pad, mode);
}

/**
 * The input gradient of `conv2d` by the active implementation: the native `Conv2DBackpropInput`
 * kernel, or (wasm, cpu) the forward-conv formulation of `conv2dInputGrad`.
 * @param dy `[B, Ho, Wo, Co]`; @param w `[kh, kw, Ci, Co]`
 * @returns dx `[B, H, W, Ci]`
 */
export function convInputGrad(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  xShape: [number, number, number, number],
  stride: number,
  pad: ConvPad = 'same',
): tf.Tensor4D {
  const mode = activeConvMode();
  if (mode === 'native' || mode === 'im2col') return conv2dBackpropInput(dy, w, xShape, stride, pad);
  return conv2dInputGrad(dy, w, xShape, stride, pad);
}

/**
 * The filter gradient of `conv2d` by the active implementation: the native `Conv2DBackpropFilter`
 * kernel, or (wasm, cpu) `conv2dFilterGradCorr` / `conv2dFilterGradIm2col`.
 * @param x `[B, H, W, Ci]`; @param dy `[B, Ho, Wo, Co]`
 * @returns dW `[kh, kw, Ci, Co]`
 */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  stride: number,
  pad: ConvPad = 'same',
): tf.Tensor4D {
  const mode = activeConvMode();
  const [kh, kw] = filterShape;
  if (mode === 'native') return conv2dBackpropFilter(x, dy, filterShape, stride, pad);
  if (mode === 'im2col') return conv2dFilterGradIm2col(x, dy, kh, kw, stride, pad);
  return conv2dFilterGradCorr(x, dy, kh, kw, stride, pad);
}
