/**
 * A PNG encoder for exported images (mask-history sheets): 8-bit RGBA, non-interlaced, filter 0 on
 * every row, zlib via fflate's `zlibSync`, chunk CRCs from `src/lib/crc32.ts`. Plus `sheet`, which
 * lays images out on a grid. Pure TypeScript.
 */
import { zlibSync } from 'fflate';
import { crc32 } from '../lib/crc32';

/** An RGBA image, 8 bits per channel, row-major. */
export interface RgbaImage {
  rgba: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Largest side the PNG format allows (2^31 − 1); far beyond what is sensible here. */
const MAX_SIDE = 0x7fffffff;

function checkImage(rgba: ArrayLike<number>, width: number, height: number, what: string): void {
  const ok = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= MAX_SIDE;
  if (!ok(width) || !ok(height)) throw new Error(`${what}: bad size ${width}×${height}`);
  if (rgba.length !== width * height * 4)
    throw new Error(
      `${what}: ${rgba.length} bytes for ${width}×${height} RGBA (expected ${width * height * 4})`,
    );
}

/** One chunk: length, type, data, CRC-32 of type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/**
 * Encodes an RGBA image as a PNG file.
 * @param rgba `width × height × 4` bytes, row-major
 */
export function encodePng(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  checkImage(rgba, width, height, 'encodePng');
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, filter method 0, no interlace
  const stride = width * 4;
  const raw = new Uint8Array(height * (stride + 1)); // each row: filter byte 0, then the pixels
  for (let y = 0; y < height; y++) raw.set(rgba.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlibSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Lays images out on a grid, row by row: every cell is as large as the largest image, images are
 * centred in their cells, cells are `gap` pixels apart and the background shows between them.
 * @param columns cells per row (the last row may be shorter)
 * @param background RGBA of the gaps and empty space (default opaque white)
 */
export function sheet(
  images: readonly RgbaImage[],
  columns: number,
  gap: number,
  background: readonly [number, number, number, number] = [255, 255, 255, 255],
): { rgba: Uint8Array; width: number; height: number } {
  if (images.length === 0) throw new Error('sheet: no images');
  if (!Number.isInteger(columns) || columns < 1)
    throw new Error(`sheet: columns must be ≥ 1; got ${columns}`);
  if (!Number.isInteger(gap) || gap < 0) throw new Error(`sheet: gap must be ≥ 0; got ${gap}`);
  images.forEach((im, i) => checkImage(im.rgba, im.width, im.height, `sheet image ${i}`));
  const cols = Math.min(columns, images.length);
  const rows = Math.ceil(images.length / cols);
  const cellW = Math.max(...images.map((im) => im.width));
  const cellH = Math.max(...images.map((im) => im.height));
  const width = cols * cellW + (cols - 1) * gap;
  const height = rows * cellH + (rows - 1) * gap;
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set(background, i);
  images.forEach((im, i) => {
    const x0 = (i % cols) * (cellW + gap) + ((cellW - im.width) >> 1);
    const y0 = Math.floor(i / cols) * (cellH + gap) + ((cellH - im.height) >> 1);
    for (let y = 0; y < im.height; y++) {
      const src = im.rgba.subarray(y * im.width * 4, (y + 1) * im.width * 4);
      rgba.set(src, ((y0 + y) * width + x0) * 4);
    }
  });
  return { rgba, width, height };
}
