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

/** H×W mask in [0,1] → RGBA heatmap bytes. */
export function maskToRgba(mask: Float32Array, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const [r, g, b] = maskColor(mask[p]);
    out[p * 4] = r;
    out[p * 4 + 1] = g;
    out[p * 4 + 2] = b;
    out[p * 4 + 3] = 255;
  }
  return out;
}
