/**
 * Pixel geometry for user images: centre-crop to a square, then resample to `size × size` — area
 * averaging when shrinking (no aliasing), bilinear when enlarging — and convert to 1 (luma) or 3
 * (RGB) channels. Transparent pixels are composited over black, as a canvas `getImageData` of a
 * premultiplied bitmap would give. Pure TypeScript.
 */

/**
 * Weights of a 1-D resampling from `inLen` source pixels (starting at `inStart`) to `outLen`
 * output pixels: for each output pixel, the first source index and the weights of consecutive
 * source pixels (summing to 1).
 */
function resampleWeights(
  inStart: number,
  inLen: number,
  outLen: number,
): { first: Int32Array; weights: Float64Array[] } {
  const first = new Int32Array(outLen);
  const weights: Float64Array[] = [];
  const scale = inLen / outLen;
  for (let o = 0; o < outLen; o++) {
    if (scale >= 1) {
      // Area average over [o·scale, (o+1)·scale).
      const a = o * scale;
      const b = a + scale;
      const i0 = Math.floor(a);
      const i1 = Math.min(inLen, Math.ceil(b));
      const w = new Float64Array(i1 - i0);
      for (let i = i0; i < i1; i++) w[i - i0] = (Math.min(b, i + 1) - Math.max(a, i)) / scale;
      first[o] = inStart + i0;
      weights.push(w);
    } else {
      // Bilinear between the two nearest pixel centres.
      const c = (o + 0.5) * scale - 0.5;
      const i0 = Math.max(0, Math.min(inLen - 1, Math.floor(c)));
      const i1 = Math.min(inLen - 1, i0 + 1);
      const f = Math.max(0, Math.min(1, c - i0));
      first[o] = inStart + i0;
      weights.push(i1 === i0 ? new Float64Array([1]) : new Float64Array([1 - f, f]));
    }
  }
  return { first, weights };
}

/**
 * Centre-crops `w × h` RGBA pixels to a square and resamples to `size × size` with `channels`
 * channels (1: ITU-R 601 luma, 3: RGB). Returns uint8 HWC pixels.
 */
export function centerCropResize(
  rgba: Uint8ClampedArray | Uint8Array,
  w: number,
  h: number,
  size: number,
  channels: 1 | 3,
): Uint8Array {
  if (rgba.length < w * h * 4)
    throw new RangeError(
      `centerCropResize: expected ${w * h * 4} RGBA bytes for ${w}×${h}, got ${rgba.length}`,
    );
  const side = Math.min(w, h);
  const x0 = Math.floor((w - side) / 2);
  const y0 = Math.floor((h - side) / 2);
  const cols = resampleWeights(x0, side, size);
  const rows = resampleWeights(y0, side, size);

  // Horizontal pass into a float buffer (side rows × size columns × 3), alpha-premultiplied.
  const tmp = new Float64Array(side * size * 3);
  for (let y = 0; y < side; y++) {
    const srcRow = (y0 + y) * w;
    for (let ox = 0; ox < size; ox++) {
      const wts = cols.weights[ox];
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < wts.length; k++) {
        const p = 4 * (srcRow + cols.first[ox] + k);
        const a = (rgba[p + 3] / 255) * wts[k];
        r += rgba[p] * a;
        g += rgba[p + 1] * a;
        b += rgba[p + 2] * a;
      }
      const t = 3 * (y * size + ox);
      tmp[t] = r;
      tmp[t + 1] = g;
      tmp[t + 2] = b;
    }
  }

  // Vertical pass and channel conversion.
  const out = new Uint8Array(size * size * channels);
  for (let oy = 0; oy < size; oy++) {
    const wts = rows.weights[oy];
    const firstRow = rows.first[oy] - y0;
    for (let ox = 0; ox < size; ox++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < wts.length; k++) {
        const t = 3 * ((firstRow + k) * size + ox);
        r += tmp[t] * wts[k];
        g += tmp[t + 1] * wts[k];
        b += tmp[t + 2] * wts[k];
      }
      const o = (oy * size + ox) * channels;
      if (channels === 1) out[o] = clampByte(0.299 * r + 0.587 * g + 0.114 * b);
      else {
        out[o] = clampByte(r);
        out[o + 1] = clampByte(g);
        out[o + 2] = clampByte(b);
      }
    }
  }
  return out;
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}
