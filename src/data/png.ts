/**
 * A minimal PNG decoder for loading image folders headless in Node (the browser decodes with
 * `createImageBitmap`): non-interlaced grayscale, gray+alpha, RGB, RGBA (8 or 16 bits, 16 keeps
 * the high byte) and palette / grayscale at 1, 2, 4 or 8 bits, with tRNS transparency; zlib via
 * fflate; all five row filters; chunk CRCs verified. Output is RGBA, 8 bits. The size in IHDR is
 * checked against the image budget (limits.ts) before anything is inflated, and the image data is
 * inflated to at most the bytes that size needs: a PNG whose data inflates further is refused.
 * Pure TypeScript.
 */

import { crc32 } from '../lib/crc32';
import { inflateCapped } from './inflate';
import { checkImageSize } from './limits';
import { DataError } from './types';

/** A decoded image: `width × height` RGBA pixels, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Samples per pixel by colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ALLOWED_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Reverses the per-row filters in place; returns the unfiltered rows (without filter bytes). */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, file: string): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    switch (f) {
      case 0:
        out.set(raw.subarray(src, src + stride), row);
        break;
      case 1:
        for (let i = 0; i < stride; i++)
          out[row + i] = (raw[src + i] + (i >= bpp ? out[row + i - bpp] : 0)) & 0xff;
        break;
      case 2:
        for (let i = 0; i < stride; i++) out[row + i] = (raw[src + i] + (y > 0 ? out[prev + i] : 0)) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[row + i - bpp] : 0;
          const b = y > 0 ? out[prev + i] : 0;
          out[row + i] = (raw[src + i] + ((a + b) >> 1)) & 0xff;
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[row + i - bpp] : 0;
          const b = y > 0 ? out[prev + i] : 0;
          const c = y > 0 && i >= bpp ? out[prev + i - bpp] : 0;
          out[row + i] = (raw[src + i] + paeth(a, b, c)) & 0xff;
        }
        break;
      default:
        throw new DataError(file, `corrupt PNG: row ${y} has unknown filter type ${f}`);
    }
  }
  return out;
}

/**
 * Decodes a PNG to RGBA. Throws a {@link DataError} naming `file` for a missing signature, bad
 * chunk CRC, truncated data, interlacing, an unsupported bit depth or corrupt zlib data.
 */
export function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b))
    throw new DataError(file, 'not a PNG file (missing the PNG signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let palette: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (offset < bytes.length) {
    if (offset + 12 > bytes.length)
      throw new DataError(file, `truncated PNG: chunk header at byte ${offset} runs past the end`);
    const length = view.getUint32(offset);
    const type = String.fromCharCode(
      bytes[offset + 4],
      bytes[offset + 5],
      bytes[offset + 6],
      bytes[offset + 7],
    );
    const dataStart = offset + 8;
    if (dataStart + length + 4 > bytes.length)
      throw new DataError(
        file,
        `truncated PNG: ${type} chunk of ${length} bytes runs past the end of the file`,
      );
    const data = bytes.subarray(dataStart, dataStart + length);
    if (crc32(bytes, offset + 4, dataStart + length) !== view.getUint32(dataStart + length))
      throw new DataError(file, `corrupt PNG: CRC mismatch in the ${type} chunk`);
    offset = dataStart + length + 4;
    if (type === 'IHDR') {
      if (length < 13) throw new DataError(file, 'corrupt PNG: IHDR chunk is too short');
      width = view.getUint32(dataStart);
      height = view.getUint32(dataStart + 4);
      depth = data[8];
      colorType = data[9];
      if (data[12] !== 0)
        throw new DataError(
          file,
          'interlaced (Adam7) PNGs are not supported; re-save it without interlacing',
        );
      if (!(colorType in CHANNELS) || !ALLOWED_DEPTHS[colorType].includes(depth)) {
        throw new DataError(file, `unsupported PNG format: colour type ${colorType} at ${depth} bits`);
      }
      if (width === 0 || height === 0) throw new DataError(file, `unsupported PNG size ${width}×${height}`);
      checkImageSize(file, width, height);
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (colorType < 0) throw new DataError(file, 'corrupt PNG: no IHDR chunk');
  if (idat.length === 0)
    throw new DataError(file, ended ? 'corrupt PNG: no IDAT chunk' : 'truncated PNG: no image data');
  if (colorType === 3 && !palette)
    throw new DataError(file, 'corrupt PNG: palette image without a PLTE chunk');

  const zlen = idat.reduce((n, d) => n + d.length, 0);
  const z = new Uint8Array(zlen);
  let zo = 0;
  for (const d of idat) {
    z.set(d, zo);
    zo += d.length;
  }
  const bitsPerPixel = CHANNELS[colorType] * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const need = height * (stride + 1);
  let raw: Uint8Array;
  try {
    raw = inflateCapped(z, 'zlib', need, file);
  } catch (err) {
    if (err instanceof DataError && /decompresses to more/.test(err.message))
      throw new DataError(
        file,
        `corrupt PNG: its image data inflates past the ${need.toLocaleString('en-US')} bytes a ${width}×${height} image needs (a decompression bomb?)`,
      );
    const why = err instanceof Error ? err.message.replace(`${file}: `, '') : String(err);
    throw new DataError(file, `corrupt PNG image data (${why})`);
  }
  if (raw.length < need) {
    throw new DataError(
      file,
      `truncated PNG image data: ${raw.length} bytes, ${height * (stride + 1)} expected for ${width}×${height}`,
    );
  }
  const rows = unfilter(raw, height, stride, Math.max(1, bitsPerPixel >> 3), file);
  return { width, height, rgba: toRgba(rows, width, height, stride, depth, colorType, palette, trns) };
}

function toRgba(
  rows: Uint8Array,
  width: number,
  height: number,
  stride: number,
  depth: number,
  colorType: number,
  palette: Uint8Array | null,
  trns: Uint8Array | null,
): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const bytesPerSample = depth === 16 ? 2 : 1;
  const n = CHANNELS[colorType];
  // Sample s of pixel x in row y (the high byte for 16-bit; raw index for sub-byte depths).
  const sample = (y: number, x: number, s: number): number => {
    if (depth >= 8) return rows[y * stride + (x * n + s) * bytesPerSample];
    const bit = x * depth;
    const byte = rows[y * stride + (bit >> 3)];
    return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const grayScale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
  const trnsGray = colorType === 0 && trns && trns.length >= 2 ? (trns[0] << 8) | trns[1] : -1;
  const trnsRgb =
    colorType === 2 && trns && trns.length >= 6
      ? depth === 16
        ? [trns[0], trns[2], trns[4]]
        : [trns[1], trns[3], trns[5]]
      : null;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      if (colorType === 3 && palette) {
        const idx = sample(y, x, 0);
        rgba[o] = palette[3 * idx] ?? 0;
        rgba[o + 1] = palette[3 * idx + 1] ?? 0;
        rgba[o + 2] = palette[3 * idx + 2] ?? 0;
        rgba[o + 3] = trns && idx < trns.length ? trns[idx] : 255;
      } else if (colorType === 0 || colorType === 4) {
        const g = sample(y, x, 0);
        const v = Math.round(g * grayScale);
        rgba[o] = rgba[o + 1] = rgba[o + 2] = v;
        // tRNS for 16-bit gray compares the full value; comparing the high byte is close enough here.
        rgba[o + 3] =
          colorType === 4 ? sample(y, x, 1) : g === (depth === 16 ? trnsGray >> 8 : trnsGray) ? 0 : 255;
      } else {
        rgba[o] = sample(y, x, 0);
        rgba[o + 1] = sample(y, x, 1);
        rgba[o + 2] = sample(y, x, 2);
        rgba[o + 3] =
          colorType === 6
            ? sample(y, x, 3)
            : trnsRgb && rgba[o] === trnsRgb[0] && rgba[o + 1] === trnsRgb[1] && rgba[o + 2] === trnsRgb[2]
              ? 0
              : 255;
      }
    }
  }
  return rgba;
}
