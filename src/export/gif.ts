/**
 * An animated GIF89a encoder for mask-history animations: one global palette of 256 colours, LZW
 * image data (variable code width 9…12 bits, clear code when the table is full), a NETSCAPE2.0 loop
 * extension and a per-frame delay in a graphic control extension.
 *
 * Palette: 256 grays when every pixel of every frame is gray (masks: exact), otherwise a fixed
 * 6×7×6 RGB cube (252 colours) plus 4 grays, nearest colour per pixel, no dithering — fast and
 * deterministic. Alpha is ignored (frames are drawn opaque). Pure TypeScript.
 */
import type { RgbaImage } from './png';

export interface GifOptions {
  /** NETSCAPE2.0 loop count: 0 = forever (default); `null` writes no loop extension (play once). */
  loop?: number | null;
  /** `auto` (default): gray palette if every pixel is gray, else the colour cube. */
  palette?: 'auto' | 'gray' | 'cube';
}

/** Levels of the colour cube per channel (6 red × 7 green × 6 blue = 252 entries). */
const R_LEVELS = 6;
const G_LEVELS = 7;
const B_LEVELS = 6;
/** The 4 palette slots after the cube hold these grays. */
const EXTRA_GRAYS = [51, 102, 153, 204];
/** Largest LZW code (12-bit codes). */
const MAX_CODE = 4095;

const level = (v: number, n: number): number => Math.round((v * (n - 1)) / 255);
const levelValue = (i: number, n: number): number => Math.round((i * 255) / (n - 1));

/** The 256 × RGB palette of a mode, flat. */
export function gifPalette(mode: 'gray' | 'cube'): Uint8Array {
  const p = new Uint8Array(768);
  if (mode === 'gray') {
    for (let i = 0; i < 256; i++) p.fill(i, 3 * i, 3 * i + 3);
    return p;
  }
  let k = 0;
  for (let r = 0; r < R_LEVELS; r++)
    for (let g = 0; g < G_LEVELS; g++)
      for (let b = 0; b < B_LEVELS; b++, k++) {
        p[3 * k] = levelValue(r, R_LEVELS);
        p[3 * k + 1] = levelValue(g, G_LEVELS);
        p[3 * k + 2] = levelValue(b, B_LEVELS);
      }
  for (const g of EXTRA_GRAYS) p.fill(g, 3 * k, 3 * k++ + 3);
  return p;
}

/** Palette indices of an RGBA image (`palette` from `gifPalette(mode)`). */
export function quantizeRgba(
  rgba: ArrayLike<number>,
  mode: 'gray' | 'cube',
  palette: Uint8Array,
): Uint8Array {
  const n = rgba.length >> 2;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i];
    const g = rgba[4 * i + 1];
    const b = rgba[4 * i + 2];
    if (mode === 'gray') {
      out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
      continue;
    }
    let best = level(r, R_LEVELS) * G_LEVELS * B_LEVELS + level(g, G_LEVELS) * B_LEVELS + level(b, B_LEVELS);
    const dist = (k: number): number =>
      (palette[3 * k] - r) ** 2 + (palette[3 * k + 1] - g) ** 2 + (palette[3 * k + 2] - b) ** 2;
    let bestD = dist(best);
    for (let k = 252; k < 256 && bestD > 0; k++) {
      const d = dist(k);
      if (d < bestD) [best, bestD] = [k, d];
    }
    out[i] = best;
  }
  return out;
}

/** True when every pixel of every frame has r = g = b. */
function allGray(frames: readonly RgbaImage[]): boolean {
  for (const f of frames)
    for (let i = 0; i < f.rgba.length; i += 4)
      if (f.rgba[i] !== f.rgba[i + 1] || f.rgba[i] !== f.rgba[i + 2]) return false;
  return true;
}

/**
 * LZW-compresses palette indices the GIF way: codes are written least-significant bit first,
 * starting with a clear code; the code width grows from `minCodeSize + 1` up to 12 bits and a clear
 * code restarts the table when code 4095 has been assigned. Returns the packed bytes, without the
 * leading code-size byte and without sub-block framing.
 * @param minCodeSize bits per index (2…8; 8 for a 256-colour palette)
 */
export function lzwEncode(indices: Uint8Array, minCodeSize: number): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const bytes: number[] = [];
  let acc = 0; // pending bits
  let nAcc = 0;
  const put = (code: number, width: number): void => {
    acc |= code << nAcc;
    nAcc += width;
    while (nAcc >= 8) {
      bytes.push(acc & 0xff);
      acc >>>= 8;
      nAcc -= 8;
    }
  };
  // (prefix code, next index) → code of the extended string
  const table = new Map<number, number>();
  let width = minCodeSize + 1;
  let next = end + 1;
  put(clear, width);
  if (indices.length > 0) {
    let prefix = indices[0];
    for (let i = 1; i < indices.length; i++) {
      const k = indices[i];
      const key = prefix * 256 + k;
      const known = table.get(key);
      if (known !== undefined) {
        prefix = known;
        continue;
      }
      put(prefix, width);
      if (next > MAX_CODE) {
        put(clear, width);
        table.clear();
        width = minCodeSize + 1;
        next = end + 1;
      } else {
        // the decoder widens when its table reaches 2^width, one code after we assign it
        if (next >= 1 << width) width++;
        table.set(key, next++);
      }
      prefix = k;
    }
    put(prefix, width);
  }
  put(end, width);
  if (nAcc > 0) bytes.push(acc & 0xff);
  return Uint8Array.from(bytes);
}

/** Splits data into GIF sub-blocks (≤ 255 bytes each, length-prefixed) plus the 0 terminator. */
function subBlocks(data: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 255) {
    const chunk = data.subarray(i, Math.min(data.length, i + 255));
    out.push(chunk.length, ...chunk);
  }
  out.push(0);
  return out;
}

const u16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];

/**
 * Encodes an animated GIF. Frames are drawn at the top-left of a logical screen as large as the
 * largest frame; each frame replaces the previous one.
 * @param frames RGBA images (8 bits per channel), at least one
 * @param delayMs display time per frame, one number for all or one per frame (stored in 1/100 s;
 *   browsers show delays under 20 ms as about 100 ms)
 */
export function encodeGif(
  frames: readonly RgbaImage[],
  delayMs: number | readonly number[],
  opts: GifOptions = {},
): Uint8Array {
  if (frames.length === 0) throw new Error('encodeGif: no frames');
  if (typeof delayMs !== 'number' && delayMs.length !== frames.length)
    throw new Error(`encodeGif: ${delayMs.length} delays for ${frames.length} frames`);
  for (const [i, f] of frames.entries()) {
    const okSize = (v: number): boolean => Number.isInteger(v) && v >= 1 && v <= 0xffff;
    if (!okSize(f.width) || !okSize(f.height))
      throw new Error(`encodeGif: frame ${i} has size ${f.width}×${f.height}`);
    if (f.rgba.length !== f.width * f.height * 4)
      throw new Error(`encodeGif: frame ${i} has ${f.rgba.length} bytes, expected ${f.width * f.height * 4}`);
  }
  const mode =
    opts.palette === 'gray' || opts.palette === 'cube' ? opts.palette : allGray(frames) ? 'gray' : 'cube';
  const palette = gifPalette(mode);
  const width = Math.max(...frames.map((f) => f.width));
  const height = Math.max(...frames.map((f) => f.height));
  // header, logical screen descriptor (global colour table of 2^(7+1) entries, 8-bit colour resolution)
  const head: number[] = [...'GIF89a'].map((c) => c.charCodeAt(0));
  head.push(...u16(width), ...u16(height), 0xf7, 0, 0, ...palette);
  const loop = opts.loop === undefined ? 0 : opts.loop;
  if (loop !== null) {
    const app = [...'NETSCAPE2.0'].map((c) => c.charCodeAt(0));
    head.push(0x21, 0xff, 11, ...app, 3, 1, ...u16(Math.max(0, Math.min(0xffff, Math.round(loop)))), 0);
  }
  const parts: Uint8Array[] = [Uint8Array.from(head)];
  frames.forEach((f, i) => {
    const ms = typeof delayMs === 'number' ? delayMs : delayMs[i];
    const cs = Math.max(0, Math.min(0xffff, Math.round(ms / 10)));
    // graphic control extension: disposal 1 (leave in place), no transparency
    const gce = [0x21, 0xf9, 4, 0x04, ...u16(cs), 0, 0];
    const descriptor = [0x2c, ...u16(0), ...u16(0), ...u16(f.width), ...u16(f.height), 0];
    const lzw = lzwEncode(quantizeRgba(f.rgba, mode, palette), 8);
    parts.push(Uint8Array.from([...gce, ...descriptor, 8]), Uint8Array.from(subBlocks(lzw)));
  });
  parts.push(Uint8Array.of(0x3b));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
