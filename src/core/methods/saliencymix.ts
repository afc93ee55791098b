/**
 * SaliencyMix, approximated (Uddin et al., "SaliencyMix: A Saliency Guided Data Augmentation
 * Strategy for Better Regularization", ICLR 2021; OpenMixup `augments/saliencymix.py`; docs/method.md):
 * a CutMix-sized box centred on the arg-max of a saliency map of one source image, x[σ][0]; the same
 * box for the whole batch; λ = 1 − area/(H·W).
 *
 * Approximation: OpenCV's fine-grained static saliency is not available in a browser; we use the
 * Sobel gradient magnitude of the 3×3 Gaussian-blurred luminance (edges pad by replication). The
 * arg-max, box and λ are computed on the device (iota grids and comparisons), so nothing is read back.
 */
import * as tf from '@tensorflow/tfjs';
import { cutmixSize } from './box';
import type { MaskContext, MaskResult, MixMethod } from './types';

/** Rec. 601 luma weights for RGB; other channel counts use the channel mean. */
const LUMA = [0.299, 0.587, 0.114];
const GAUSS_3X3 = [1, 2, 1, 2, 4, 2, 1, 2, 1].map((v) => v / 16);
const SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
const SOBEL_Y = [-1, -2, -1, 0, 0, 0, 1, 2, 1];

const kernel3 = (k: number[]): tf.Tensor4D => tf.tensor4d(k, [3, 3, 1, 1]);

/** 3×3 'same' convolution with replicated edges: `[1, H, W, 1]` → `[1, H, W, 1]`. */
function conv3(img: tf.Tensor4D, k: number[]): tf.Tensor4D {
  const padded = tf.mirrorPad(
    img,
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    'symmetric',
  );
  return tf.conv2d(padded, kernel3(k), 1, 'valid');
}

/**
 * The saliency substitute: Sobel gradient magnitude of the blurred luminance.
 * @param img `[1, H, W, C]` one image
 * @returns `[H, W]` ≥ 0
 */
export function gradientSaliency(img: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const [, h, w, c] = img.shape;
    const lum =
      c === 3
        ? (tf.sum(tf.mul(img, tf.tensor1d(LUMA)), 3, true) as tf.Tensor4D)
        : (tf.mean(img, 3, true) as tf.Tensor4D);
    const blurred = conv3(lum, GAUSS_3X3);
    const gx = conv3(blurred, SOBEL_X);
    const gy = conv3(blurred, SOBEL_Y);
    return tf.reshape(tf.sqrt(tf.add(tf.square(gx), tf.square(gy))), [h, w]) as tf.Tensor2D;
  });
}

/**
 * Device-side box mask: a box of cutH × cutW centred at the arg-max of `saliency` (first maximum in
 * row-major order), corners clip(c ± ⌊cut/2⌋, 0, size) as in CutMix.
 * @param saliency `[H, W]`
 * @returns m `[n, H, W, 1]` ∈ {0, 1}; lam scalar tensor 1 − area/(H·W)
 */
export function saliencyBoxMask(
  saliency: tf.Tensor2D,
  n: number,
  cutH: number,
  cutW: number,
): { m: tf.Tensor4D; lam: tf.Scalar } {
  return tf.tidy(() => {
    const [h, w] = saliency.shape;
    const idx = tf.argMax(tf.reshape(saliency, [h * w])) as tf.Scalar; // int32
    const cy = tf.floorDiv(idx, tf.scalar(w, 'int32'));
    const cx = tf.sub(idx, tf.mul(cy, tf.scalar(w, 'int32')));
    const hh = Math.floor(cutH / 2);
    const hw = Math.floor(cutW / 2);
    const lo = (c: tf.Tensor, half: number, size: number): tf.Tensor =>
      tf.clipByValue(tf.sub(c, half), 0, size);
    const hi = (c: tf.Tensor, half: number, size: number): tf.Tensor =>
      tf.clipByValue(tf.add(c, half), 0, size);
    const y1 = lo(cy, hh, h);
    const y2 = hi(cy, hh, h);
    const x1 = lo(cx, hw, w);
    const x2 = hi(cx, hw, w);
    const rows = tf.reshape(tf.range(0, h, 1, 'int32'), [1, h, 1, 1]);
    const cols = tf.reshape(tf.range(0, w, 1, 'int32'), [1, 1, w, 1]);
    const inRows = tf.logicalAnd(tf.greaterEqual(rows, y1), tf.less(rows, y2));
    const inCols = tf.logicalAnd(tf.greaterEqual(cols, x1), tf.less(cols, x2));
    const one = tf.mul(tf.cast(inRows, 'float32'), tf.cast(inCols, 'float32')); // [1, H, W, 1]
    const area = tf.cast(tf.mul(tf.sub(y2, y1), tf.sub(x2, x1)), 'float32');
    return {
      m: tf.tile(one, [n, 1, 1, 1]) as tf.Tensor4D,
      lam: tf.sub(1, tf.div(area, h * w)) as tf.Scalar,
    };
  });
}

/**
 * SaliencyMix (approx.) for the batch.
 * @returns m `[N, H, W, 1]` ∈ {0, 1}, the same box for all samples; lam: scalar tensor
 */
export function saliencymixMask(ctx: MaskContext): MaskResult {
  const [n, h, w, c] = ctx.x.shape;
  const { cutH, cutW } = cutmixSize(h, w, ctx.lam);
  return tf.tidy(() => {
    const source = tf.slice(ctx.x, [ctx.perm[0], 0, 0, 0], [1, h, w, c]);
    return saliencyBoxMask(gradientSaliency(source), n, cutH, cutW);
  });
}

export const saliencymix: MixMethod = {
  name: 'saliencymix',
  label: 'SaliencyMix (approx.)',
  kind: 'pixel',
  description: 'A CutMix box centred on the most salient point (edge strength) of one source image x[σ][0].',
  makeMask: saliencymixMask,
};
