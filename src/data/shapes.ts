/**
 * The built-in default dataset `shapes`: ten classes of coloured geometric objects at random
 * position, scale, rotation and aspect on gradient / stripe / value-noise backgrounds, with pixel
 * noise and an occasional distractor blob. The class is defined by the outline only (colour is
 * random per image), and every image has a ground-truth object mask for the "object kept"
 * diagnostic. The data come from a FIXED dataset seed, so every run sees the same images; the run
 * seed only drives order and initialisation. Pure TypeScript (no TF.js, no DOM).
 */

import { Rng } from '../lib/random';
import { insideShape, SHAPE_CLASSES } from './shapeOutlines';
import { drawBackground, luma, randomColour, STYLE, type Scratch } from './shapeStyle';
import { channelStats } from './stats';
import type { ImageDataset, ImageSplit } from './types';

export { SHAPE_CLASSES } from './shapeOutlines';

/** The fixed seed the published `shapes` dataset is generated from. */
export const SHAPES_DATA_SEED = 0x5a31c0de;

export interface ShapesOptions {
  /** Dataset seed (tests only; the default is the fixed {@link SHAPES_DATA_SEED}). */
  seed?: number;
  /** Training images (default 5000; a multiple of 10 keeps classes exactly balanced). */
  trainCount?: number;
  /** Test images (default 1000). */
  testCount?: number;
  /** Side in pixels (default 32). */
  size?: number;
}

// ---- one image -----------------------------------------------------------------------------------

/** Renders image `index` of a split (class `cls`) into `images` / `masks`. */
function renderImage(
  rng: Rng,
  cls: number,
  size: number,
  images: Uint8ClampedArray,
  masks: Uint8Array,
  index: number,
  s: Scratch,
): void {
  const { bg, fg, blob } = s;
  drawBackground(rng, s, size);

  // Occasional distractor blob: a small ellipse that belongs to the background.
  if (rng.uniform() < STYLE.blobProbability) {
    randomColour(rng, blob);
    const bx = rng.range(0, size);
    const by = rng.range(0, size);
    const rx = rng.range(1.5, 4);
    const ry = rng.range(1.5, 4);
    for (let y = Math.max(0, Math.floor(by - ry)); y < Math.min(size, Math.ceil(by + ry)); y++) {
      for (let x = Math.max(0, Math.floor(bx - rx)); x < Math.min(size, Math.ceil(bx + rx)); x++) {
        const dx = (x + 0.5 - bx) / rx;
        const dy = (y + 0.5 - by) / ry;
        if (dx * dx + dy * dy <= 1) {
          const o = 3 * (y * size + x);
          bg[o] = blob[0];
          bg[o + 1] = blob[1];
          bg[o + 2] = blob[2];
        }
      }
    }
  }

  // Object pose: diameter 0.3–0.8 of the image, any rotation, mild aspect change, centre such that
  // up to ~40 % of the radius may leave the frame (partial occlusion by the border).
  const r = (rng.range(STYLE.scale[0], STYLE.scale[1]) * size) / 2;
  const cx = rng.range(0.6 * r, size - 0.6 * r);
  const cy = rng.range(0.6 * r, size - 0.6 * r);
  const rot = rng.range(0, STYLE.rotation);
  const aspect = rng.range(STYLE.aspect[0], STYLE.aspect[1]);
  const cosR = Math.cos(rot);
  const sinR = Math.sin(rot);
  const invU = 1 / (r * aspect);
  const invV = aspect / r;

  // Object colour with a minimum luma contrast against the background under it, plus shading.
  const centre = 3 * (Math.min(size - 1, Math.floor(cy)) * size + Math.min(size - 1, Math.floor(cx)));
  const bgLuma = luma(bg, centre);
  for (let tries = 0; tries < 8; tries++) {
    randomColour(rng, fg);
    if (Math.abs(luma(fg) - bgLuma) >= STYLE.minContrast) break;
  }
  const shadeA = rng.range(0, 2 * Math.PI);
  const shadeK = rng.range(0, STYLE.shading);
  const shadeX = (Math.cos(shadeA) * shadeK) / r;
  const shadeY = (Math.sin(shadeA) * shadeK) / r;

  const noise = rng.range(STYLE.noise[0], STYLE.noise[1]);
  const base = index * size * size;
  const ext = r * 1.25;
  const x0 = Math.max(0, Math.floor(cx - ext));
  const x1 = Math.min(size, Math.ceil(cx + ext));
  const y0 = Math.max(0, Math.floor(cy - ext));
  const y1 = Math.min(size, Math.ceil(cy + ext));

  const fr = fg[0];
  const fgG = fg[1];
  const fb = fg[2];
  const noiseScale = noise / 255;
  let ns = rng.nextUint32() | 1;
  for (let y = 0; y < size; y++) {
    const rowIn = y >= y0 && y < y1;
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      let cover = 0;
      if (rowIn && x >= x0 && x < x1) {
        for (let sy = 0; sy < 2; sy++) {
          const dy = y + 0.25 + 0.5 * sy - cy;
          for (let sx = 0; sx < 2; sx++) {
            const dx = x + 0.25 + 0.5 * sx - cx;
            const u = (dx * cosR + dy * sinR) * invU;
            const v = (-dx * sinR + dy * cosR) * invV;
            if (insideShape(cls, u, v)) cover++;
          }
        }
      }
      const o = 3 * p;
      const out = 3 * (base + p);
      // Triangular pixel noise per channel from one xorshift32 draw (cheap, bounded, and kept
      // in a local so the hot loop allocates nothing).
      ns ^= ns << 13;
      ns ^= ns >>> 17;
      ns ^= ns << 5;
      const bits = ns;
      const b0 = bits & 0xff;
      const b1 = (bits >>> 8) & 0xff;
      const b2 = (bits >>> 16) & 0xff;
      const b3 = bits >>> 24;
      let r0 = bg[o];
      let g0 = bg[o + 1];
      let bl = bg[o + 2];
      if (cover > 0) {
        masks[base + p] = cover >= 2 ? 255 : 0;
        const a = cover / 4;
        const shade = (1 + (x + 0.5 - cx) * shadeX + (y + 0.5 - cy) * shadeY) * a;
        r0 = r0 * (1 - a) + fr * shade;
        g0 = g0 * (1 - a) + fgG * shade;
        bl = bl * (1 - a) + fb * shade;
      }
      r0 += (b0 + b1 - 255) * noiseScale;
      g0 += (b1 + b2 - 255) * noiseScale;
      bl += (b2 + b3 - 255) * noiseScale;
      images[out] = r0; // the clamped view rounds and clamps to 0–255
      images[out + 1] = g0;
      images[out + 2] = bl;
    }
  }
}

/** Generates one split with exactly balanced labels (up to `count mod 10`), in shuffled order. */
function generateSplit(rng: Rng, count: number, size: number): ImageSplit {
  const k = SHAPE_CLASSES.length;
  const labels = new Uint8Array(count);
  const order = rng.permutation(count);
  for (let i = 0; i < count; i++) labels[order[i]] = i % k;
  const images = new Uint8Array(count * size * size * 3);
  const objectMasks = new Uint8Array(count * size * size);
  const scratch: Scratch = {
    t: new Float64Array(size * size),
    bg: new Float64Array(size * size * 3),
    c1: new Float64Array(3),
    c2: new Float64Array(3),
    fg: new Float64Array(3),
    blob: new Float64Array(3),
  };
  const clamped = new Uint8ClampedArray(images.buffer);
  for (let i = 0; i < count; i++) renderImage(rng, labels[i], size, clamped, objectMasks, i, scratch);
  return { count, images, labels, objectMasks };
}

/**
 * Generates the `shapes` dataset (32×32 RGB by default, 5000 train / 1000 test, 10 classes, with
 * per-image binary object masks). Deterministic: the same options always give the same bytes, and
 * the test split does not depend on `trainCount`.
 */
export function generateShapes(opts: ShapesOptions = {}): ImageDataset {
  const seed = opts.seed ?? SHAPES_DATA_SEED;
  const size = opts.size ?? 32;
  const trainCount = opts.trainCount ?? 5000;
  const testCount = opts.testCount ?? 1000;
  if (!(size >= 8 && size <= 256 && Number.isInteger(size)))
    throw new RangeError(`shapes size must be an integer in [8, 256]; got ${size}`);
  const train = generateSplit(new Rng(seed), trainCount, size);
  const test = generateSplit(new Rng((seed ^ 0x7e57da7a) >>> 0), testCount, size);
  const { mean, std } = channelStats(train.images, 3);
  return {
    name: 'shapes',
    classes: [...SHAPE_CLASSES],
    height: size,
    width: size,
    channels: 3,
    train,
    test,
    mean,
    std,
    flip: true,
  };
}
