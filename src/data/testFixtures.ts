/**
 * Test helpers that write real files in the formats the loaders read: IDX, CIFAR-10 binary
 * batches, ustar archives and PNG. Used by the co-located `*.test.ts` files only (never by the app).
 * Each writer is deliberately independent of the parser it feeds.
 */

import { zlibSync } from 'fflate';
import { DataError } from './types';
import { crc32 } from '../lib/crc32';

/** An IDX file: magic (0, 0, dtype 0x08, ndims), big-endian dims, then uint8 data. */
export function makeIdx(dims: number[], data: Uint8Array, dtype = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = dtype;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * A CIFAR-10 batch for the given labels whose pixel (y, x) of channel c in image i is
 * {@link cifarPixel}(i, y, x, c): label byte, then 1024 R, 1024 G, 1024 B bytes, row-major.
 */
export function makeCifarBatch(labels: number[], seed = 0): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    const o = i * 3073;
    out[o] = label;
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) out[o + 1 + c * 1024 + y * 32 + x] = cifarPixel(i + seed, y, x, c);
  });
  return out;
}

/** The value {@link makeCifarBatch} writes for image i, row y, column x, channel c. */
export function cifarPixel(i: number, y: number, x: number, c: number): number {
  return (i * 7 + y * 5 + x * 3 + c * 101) & 0xff;
}

function writeOctal(h: Uint8Array, offset: number, width: number, value: number): void {
  const s = value.toString(8).padStart(width - 1, '0');
  for (let i = 0; i < s.length; i++) h[offset + i] = s.charCodeAt(i);
  h[offset + width - 1] = 0;
}

function writeString(h: Uint8Array, offset: number, s: string): void {
  for (let i = 0; i < s.length; i++) h[offset + i] = s.charCodeAt(i);
}

/** A ustar archive; entries whose name ends with `/` become directories. */
export function makeTar(entries: { name: string; data?: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const isDir = e.name.endsWith('/');
    const data = e.data ?? new Uint8Array(0);
    const h = new Uint8Array(512);
    writeString(h, 0, e.name);
    writeOctal(h, 100, 8, isDir ? 0o755 : 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, isDir ? 0 : data.length);
    writeOctal(h, 136, 12, 1_700_000_000);
    h[156] = isDir ? 0x35 : 0x30;
    writeString(h, 257, 'ustar');
    writeString(h, 263, '00');
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += h[i];
    writeOctal(h, 148, 7, sum);
    h[155] = 0x20;
    blocks.push(h);
    if (!isDir) {
      const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
      padded.set(data);
      blocks.push(padded);
    }
  }
  blocks.push(new Uint8Array(1024));
  const total = blocks.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  writeString(out, 4, type);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface PngSpec {
  width: number;
  height: number;
  /** PNG colour type: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA. */
  colorType: 0 | 2 | 3 | 4 | 6;
  /** Raw samples, `height × width × samplesPerPixel` (palette: one index per pixel). */
  pixels: Uint8Array;
  /** Palette as RGB triples (colour type 3). */
  palette?: Uint8Array;
  /** Palette alpha (tRNS) for colour type 3. */
  paletteAlpha?: Uint8Array;
  /** Filter type per row (0–4), cycled over rows; default [0]. */
  filters?: number[];
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** An 8-bit, non-interlaced PNG, filtering each row with the requested filter type. */
export function encodePng(spec: PngSpec): Uint8Array {
  const bpp = SAMPLES[spec.colorType];
  const stride = spec.width * bpp;
  const filters = spec.filters ?? [0];
  const raw = new Uint8Array(spec.height * (stride + 1));
  for (let y = 0; y < spec.height; y++) {
    const f = filters[y % filters.length];
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = spec.pixels[y * stride + i];
      const a = i >= bpp ? spec.pixels[y * stride + i - bpp] : 0;
      const b = y > 0 ? spec.pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? spec.pixels[(y - 1) * stride + i - bpp] : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const iv = new DataView(ihdr.buffer);
  iv.setUint32(0, spec.width);
  iv.setUint32(4, spec.height);
  ihdr[8] = 8;
  ihdr[9] = spec.colorType;
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', spec.palette));
  if (spec.paletteAlpha) parts.push(chunk('tRNS', spec.paletteAlpha));
  const z = zlibSync(raw);
  // Split the compressed stream over two IDAT chunks to exercise concatenation.
  const half = Math.floor(z.length / 2);
  parts.push(
    chunk('IDAT', z.subarray(0, half)),
    chunk('IDAT', z.subarray(half)),
    chunk('IEND', new Uint8Array(0)),
  );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** RGB (HWC) pixels → a PNG, for quick visual dumps of generated data. */
export function rgbToPng(width: number, height: number, rgb: Uint8Array): Uint8Array {
  return encodePng({ width, height, colorType: 2, pixels: rgb });
}

/**
 * Runs `fn` (sync or async) and returns the {@link DataError} it throws; fails if it throws
 * anything else or nothing.
 */
export async function dataErrorOf(fn: () => unknown): Promise<DataError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof DataError) return err;
    throw new Error(`expected a DataError, got ${String(err)}`);
  }
  throw new Error('expected a DataError, but nothing was thrown');
}

/** Byte-wise equality (fast; `expect(...).toEqual` is slow on large typed arrays). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
