/**
 * The two augmented "views" of an image for the self-supervised scenario (MoCo v2 recipe, docs/ssl.md):
 * random resized crop (area scale 0.2–1, aspect 3/4–4/3) with horizontal flip, colour jitter
 * (brightness 0.4, contrast 0.4, saturation 0.4, hue 0.1) with probability 0.8 and grayscale with
 * probability 0.2, no blur. Grayscale datasets (MNIST-like): crop scale 0.3–1 plus a small affine
 * (rotation ±15°, shift ±10 % of the side; zero fill), no colour ops.
 *
 * Every random choice is drawn on the host from the run's `Rng` (`drawViews`), then applied to the
 * batch on the device as a few tensor ops (`applyViews`, no readback): the crop and flip are ONE
 * `cropAndResize` (a flipped crop is the same box with x1 > x2), the jitter a few per-sample affine
 * maps. Unlike torchvision the jitter runs in a fixed order (brightness, contrast, saturation, hue).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../lib/random';

export interface ViewOptions {
  /** Range of the crop's area as a fraction of the image. */
  scale: [number, number];
  /** Range of the crop's aspect ratio w/h (drawn log-uniform). */
  ratio: [number, number];
  /** Random horizontal flip (p = 0.5). */
  flip: boolean;
  /** Colour jitter strengths [brightness, contrast, saturation, hue]; null = no colour ops. */
  jitter: [number, number, number, number] | null;
  /** Probability of applying the jitter. */
  jitterProb: number;
  /** Probability of converting to grayscale. */
  grayProb: number;
  /** Small affine after the crop: max rotation (degrees) and shift (fraction of the side); null = none. */
  affine: { degrees: number; translate: number } | null;
}

/**
 * `shapes` draws every colour at random per image and defines the class by the outline only, so its
 * views randomise colour completely: any hue (hue jitter 0.5, always applied) and grayscale half of
 * the time. With the CIFAR recipe, plain MoCo (batch 64, width 8, 600 steps) ended at kNN 11.7 %
 * (it fell below the random encoder's 13.5 %); with this one at 15.1 % (docs/ssl.md).
 */
const SHAPES_COLOUR = {
  jitter: [0.4, 0.4, 0.4, 0.5] as [number, number, number, number],
  jitterProb: 1,
  grayProb: 0.5,
};

/**
 * The views of docs/ssl.md for a dataset: the CIFAR recipe on RGB (with full colour randomisation on
 * `shapes`), the MNIST-like one on grayscale.
 */
export function viewOptionsFor(ds: { name?: string; channels: number; flip: boolean }): ViewOptions {
  if (ds.channels === 3) {
    return {
      scale: [0.2, 1],
      ratio: [3 / 4, 4 / 3],
      flip: ds.flip,
      jitter: [0.4, 0.4, 0.4, 0.1],
      jitterProb: 0.8,
      grayProb: 0.2,
      affine: null,
      ...(ds.name === 'shapes' ? SHAPES_COLOUR : {}),
    };
  }
  return {
    scale: [0.3, 1],
    ratio: [3 / 4, 4 / 3],
    flip: ds.flip,
    jitter: null,
    jitterProb: 0,
    grayProb: 0,
    affine: { degrees: 15, translate: 0.1 },
  };
}

/** Per-sample parameters of one view of a batch of N images. */
export interface ViewParams {
  n: number;
  /** `[N·4]` crop boxes (y1, x1, y2, x2) in `cropAndResize` coordinates; x1 > x2 means flipped. */
  boxes: Float32Array;
  /** `[N·4]` brightness, contrast, saturation factors and hue shift (1, 1, 1, 0 = unchanged). */
  jitter: Float32Array;
  /** `[N]` 1 = grayscale. */
  gray: Float32Array;
  /** `[N·8]` projective transforms (output → input pixel coordinates, tf.image.transform), or null. */
  affine?: Float32Array | null;
}

/** The `tf.image.transform` matrix of a rotation by `a` radians about the centre plus a shift. */
export function affineMatrix(a: number, tx: number, ty: number, h: number, w: number): number[] {
  const [c, s] = [Math.cos(a), Math.sin(a)];
  const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
  // input = R·(output − centre) + centre − shift
  return [c, -s, cx - c * cx + s * cy - tx, s, c, cy - s * cx - c * cy - ty, 0, 0];
}

/** torchvision's RandomResizedCrop box: (top, left, height, width) in pixels. */
function cropBox(rng: Rng, h: number, w: number, o: ViewOptions): [number, number, number, number] {
  const area = h * w;
  const [r0, r1] = [Math.log(o.ratio[0]), Math.log(o.ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * rng.range(o.scale[0], o.scale[1]);
    const aspect = Math.exp(rng.range(r0, r1));
    const cw = Math.round(Math.sqrt(target * aspect));
    const ch = Math.round(Math.sqrt(target / aspect));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) return [rng.int(h - ch + 1), rng.int(w - cw + 1), ch, cw];
  }
  return [0, 0, h, w]; // fallback: the whole image
}

/**
 * Draws the parameters of one view for N images of h×w px from `rng` (fixed order per sample: crop,
 * flip, jitter coin and factors, grayscale coin, then the affine's angle and shifts when set).
 */
export function drawViews(rng: Rng, n: number, h: number, w: number, o: ViewOptions): ViewParams {
  const boxes = new Float32Array(4 * n);
  const jitter = new Float32Array(4 * n);
  const gray = new Float32Array(n);
  const affine = o.affine ? new Float32Array(8 * n) : null;
  const sy = Math.max(1, h - 1);
  const sx = Math.max(1, w - 1);
  for (let i = 0; i < n; i++) {
    const [top, left, ch, cw] = cropBox(rng, h, w, o);
    let x1 = left / sx;
    let x2 = (left + cw - 1) / sx;
    if (o.flip && rng.uniform() < 0.5) [x1, x2] = [x2, x1];
    boxes.set([top / sy, x1, (top + ch - 1) / sy, x2], 4 * i);
    jitter.set([1, 1, 1, 0], 4 * i);
    if (o.jitter && rng.uniform() < o.jitterProb) {
      const [b, c, s, hue] = o.jitter;
      jitter.set(
        [
          rng.range(Math.max(0, 1 - b), 1 + b),
          rng.range(Math.max(0, 1 - c), 1 + c),
          rng.range(Math.max(0, 1 - s), 1 + s),
          rng.range(-hue, hue),
        ],
        4 * i,
      );
    }
    if (o.grayProb > 0 && rng.uniform() < o.grayProb) gray[i] = 1;
    if (affine && o.affine) {
      const { degrees, translate } = o.affine;
      const a = (rng.range(-degrees, degrees) * Math.PI) / 180;
      const tx = rng.range(-translate, translate) * w;
      const ty = rng.range(-translate, translate) * h;
      affine.set(affineMatrix(a, tx, ty, h, w), 8 * i);
    }
  }
  return { n, boxes, jitter, gray, affine };
}

/** ITU-R 601 luma weights (torchvision's rgb_to_grayscale). */
const LUMA = [0.299, 0.587, 0.114];

/** Luma of RGB images `[N, H, W, 3]` → `[N, H, W, 1]`. */
function luma(x: tf.Tensor4D): tf.Tensor4D {
  return tf.sum(tf.mul(x, tf.tensor1d(LUMA)), 3, true) as tf.Tensor4D;
}

/**
 * Hue rotation by `shift` turns as a 3×3 RGB matrix: the rotation about the gray axis (1,1,1)/√3
 * (Rodrigues), which keeps grays gray and is the identity at 0. Laid out for row vector × matrix.
 */
export function hueMatrix(shift: number): number[] {
  const a = 2 * Math.PI * shift;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  const t = (1 - c) / 3;
  const u = s / Math.sqrt(3);
  // Column-vector form R = c·I + s·[u]× + (1 − c)·u·uᵀ with u = (1,1,1)/√3.
  const r = [
    [c + t, t - u, t + u],
    [t + u, c + t, t - u],
    [t - u, t + u, c + t],
  ];
  return [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => r[j][i])); // transposed for rows × matrix
}

/** Per-sample column of a `[N·4]` parameter array, as `[N, 1, 1, 1]`. */
function column(p: Float32Array, n: number, k: number): tf.Tensor4D {
  return tf.tensor4d(
    Float32Array.from({ length: n }, (_, i) => p[4 * i + k]),
    [n, 1, 1, 1],
  );
}

/**
 * Applies one view to images in [0, 1].
 * @param x `[N, H, W, C]` pixel values in [0, 1]
 * @returns `[N, H, W, C]` in [0, 1]
 */
export function applyViews(x: tf.Tensor4D, p: ViewParams): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (p.n !== n) throw new Error(`view parameters for ${p.n} images, batch of ${n}`);
  return tf.tidy(() => {
    const boxInd = tf.tensor1d(
      Int32Array.from({ length: n }, (_, i) => i),
      'int32',
    );
    let v = tf.image.cropAndResize(x, tf.tensor2d(p.boxes, [n, 4]), boxInd, [h, w], 'bilinear'); // [N, H, W, C]
    if (p.affine) v = tf.image.transform(v, tf.tensor2d(p.affine, [n, 8]), 'bilinear', 'constant', 0);
    if (c !== 3) return tf.clipByValue(v, 0, 1);
    const clip = (t: tf.Tensor) => tf.clipByValue(t, 0, 1) as tf.Tensor4D;
    v = clip(tf.mul(v, column(p.jitter, n, 0))); // brightness
    const meanGray = tf.mean(luma(v), [1, 2, 3], true); // [N, 1, 1, 1]
    const con = column(p.jitter, n, 1);
    v = clip(tf.add(tf.mul(v, con), tf.mul(tf.sub(1, con), meanGray))); // contrast
    const sat = column(p.jitter, n, 2);
    v = clip(tf.add(tf.mul(v, sat), tf.mul(tf.sub(1, sat), luma(v)))); // saturation
    const hue = new Float32Array(9 * n);
    for (let i = 0; i < n; i++) hue.set(hueMatrix(p.jitter[4 * i + 3]), 9 * i);
    v = clip(tf.reshape(tf.matMul(tf.reshape(v, [n, h * w, 3]), tf.tensor3d(hue, [n, 3, 3])), [n, h, w, 3])); // hue
    const g = tf.reshape(tf.tensor1d(p.gray), [n, 1, 1, 1]);
    return tf.add(tf.mul(v, tf.sub(1, g)), tf.mul(luma(v), g)) as tf.Tensor4D; // grayscale
  });
}

/**
 * One view of a batch of NORMALISED images (as the resident data holds them): back to [0, 1]
 * with the dataset's mean/std, `applyViews`, normalised again.
 * @param x `[N, H, W, C]` normalised
 */
export function sslView(
  x: tf.Tensor4D,
  p: ViewParams,
  norm: { mean: readonly number[]; std: readonly number[] },
): tf.Tensor4D {
  return tf.tidy(() => {
    const mean = tf.tensor1d([...norm.mean]);
    const std = tf.tensor1d([...norm.std]);
    const unit = tf.clipByValue(tf.add(tf.mul(x, std), mean), 0, 1) as tf.Tensor4D;
    return tf.div(tf.sub(applyViews(unit, p), mean), std) as tf.Tensor4D;
  });
}
