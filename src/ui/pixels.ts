/**
 * Float image and mask buffers → RGBA pixels for canvases (pure, tested). Masks use a perceptual
 * blue→yellow colour map (viridis-like, 5 stops interpolated) so 0 and 1 read clearly.
 */

/** HWC float image in [0,1] with 1 or 3 channels → RGBA bytes. */
export function imageToRgba(
  src: Float32Array,
  width: number,
  height: number,
  channels: number,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = src[p * channels + (channels === 1 ? 0 : c)];
      out[p * 4 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

const STOPS: Array<[number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Colour of a mask value in [0,1]. */
export function maskColor(v: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const t = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t].map(Math.round) as [
    number,
    number,
    number,
  ];
}

/** Colour map sampled at 1024 levels (a lookup per pixel instead of an interpolation). */
const LUT_LEVELS = 1024;
let lut: Uint8Array | null = null;
function colourLut(): Uint8Array {
  if (lut) return lut;
  lut = new Uint8Array(LUT_LEVELS * 3);
  for (let i = 0; i < LUT_LEVELS; i++) lut.set(maskColor(i / (LUT_LEVELS - 1)), i * 3);
  return lut;
}

/** H×W mask in [0,1] → RGBA heatmap bytes (colours within one 1/1023 step of `maskColor`). */
export function maskToRgba(mask: Float32Array, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  const table = colourLut();
  for (let p = 0; p < width * height; p++) {
    const v = mask[p];
    const k = 3 * Math.round(Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)) * (LUT_LEVELS - 1));
    out[p * 4] = table[k];
    out[p * 4 + 1] = table[k + 1];
    out[p * 4 + 2] = table[k + 2];
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** HWC uint8 image with 1 or 3 channels → RGBA bytes. */
export function bytesToRgba(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = src[p * channels + (channels === 1 ? 0 : c)];
    out[p * 4 + 3] = 255;
  }
  return out;
}
