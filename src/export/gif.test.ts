import { describe, expect, it } from 'vitest';
import { encodeGif, gifPalette, lzwEncode } from './gif';
import type { RgbaImage } from './png';

/** Test-side LZW decoder (GIF variant: LSB-first codes, clear/end codes, widths up to 12 bits). */
function lzwDecode(data: Uint8Array, minCodeSize: number, expected: number): number[] {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  let width = minCodeSize + 1;
  let table: number[][] = [];
  const reset = (): void => {
    table = Array.from({ length: clear + 2 }, (_, i) => (i < clear ? [i] : []));
    width = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let bitPos = 0;
  let prev: number[] | null = null;
  for (;;) {
    if (bitPos + width > data.length * 8) throw new Error('LZW data ended without an end code');
    let code = 0;
    for (let b = 0; b < width; b++, bitPos++) code |= ((data[bitPos >> 3] >> (bitPos & 7)) & 1) << b;
    if (code === clear) {
      reset();
      prev = null;
      continue;
    }
    if (code === end) break;
    let entry: number[];
    if (prev === null) entry = table[code];
    else {
      if (code < table.length) entry = table[code];
      else if (code === table.length) entry = [...prev, prev[0]];
      else throw new Error(`bad LZW code ${code} (table ${table.length})`);
      if (table.length < 4096) table.push([...prev, entry[0]]);
      if (table.length === 1 << width && width < 12) width++;
    }
    out.push(...entry);
    prev = entry;
  }
  expect(out.length).toBe(expected);
  return out;
}

interface DecodedGif {
  width: number;
  height: number;
  palette: Uint8Array;
  loop: number | null;
  frames: Array<{ delayCs: number; width: number; height: number; indices: number[] }>;
}

/** Minimal GIF89a decoder: global palette, application + graphic control extensions, images. */
function decodeGif(b: Uint8Array): DecodedGif {
  const text = (o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));
  const u16 = (o: number): number => b[o] | (b[o + 1] << 8);
  expect(text(0, 6)).toBe('GIF89a');
  const width = u16(6);
  const height = u16(8);
  expect(b[10] & 0x80).toBe(0x80); // global colour table present
  const gctSize = 2 << (b[10] & 7);
  const palette = b.slice(13, 13 + 3 * gctSize);
  let o = 13 + 3 * gctSize;
  const readBlocks = (): Uint8Array => {
    const parts: number[] = [];
    while (b[o] !== 0) {
      parts.push(...b.subarray(o + 1, o + 1 + b[o]));
      o += 1 + b[o];
    }
    o++;
    return Uint8Array.from(parts);
  };
  let loop: number | null = null;
  let delayCs = -1;
  const frames: DecodedGif['frames'] = [];
  for (;;) {
    const tag = b[o++];
    if (tag === 0x3b) break; // trailer
    if (tag === 0x21) {
      const label = b[o++];
      const body = readBlocks();
      if (label === 0xf9) delayCs = body[1] | (body[2] << 8);
      if (label === 0xff && String.fromCharCode(...body.subarray(0, 11)) === 'NETSCAPE2.0')
        loop = body[12] | (body[13] << 8);
    } else if (tag === 0x2c) {
      const w = u16(o + 4);
      const h = u16(o + 6);
      expect(b[o + 8] & 0x80).toBe(0); // no local table
      o += 9;
      const min = b[o++];
      frames.push({ delayCs, width: w, height: h, indices: lzwDecode(readBlocks(), min, w * h) });
      delayCs = -1;
    } else throw new Error(`unexpected block 0x${tag.toString(16)} at ${o - 1}`);
  }
  expect(o).toBe(b.length); // nothing after the trailer
  return { width, height, palette, loop, frames };
}

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed: number, mod = 256): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s >>> 24) % mod;
  }
  return out;
}

function grayFrame(w: number, h: number, seed: number): RgbaImage {
  const v = bytes(w * h, seed);
  const rgba = new Uint8Array(w * h * 4);
  v.forEach((g, i) => rgba.set([g, g, g, 255], 4 * i));
  return { rgba, width: w, height: h };
}

describe('lzwEncode', () => {
  it('round-trips short, empty, repetitive and long inputs (table resets past 4096 codes)', () => {
    const cases: Array<[Uint8Array, number]> = [
      [Uint8Array.of(), 8],
      [Uint8Array.of(7), 8],
      [new Uint8Array(5000).fill(3), 8], // runs grow the table slowly
      [bytes(40_000, 1), 8], // random: many resets
      [bytes(20_000, 2, 4), 2], // 2-bit indices
      [Uint8Array.from({ length: 30_000 }, (_, i) => (i * 7) % 17), 8],
    ];
    for (const [input, min] of cases) {
      expect(lzwDecode(lzwEncode(input, min), min, input.length)).toEqual([...input]);
    }
  });
});

describe('encodeGif', () => {
  it('writes header, screen size, loop extension, one GCE per frame with its delay, and the trailer', () => {
    const frames = [grayFrame(5, 3, 1), grayFrame(7, 4, 2), grayFrame(7, 4, 3)];
    const gif = decodeGif(encodeGif(frames, [100, 250, 40]));
    expect([gif.width, gif.height]).toEqual([7, 4]);
    expect(gif.loop).toBe(0);
    expect(gif.frames.map((f) => f.delayCs)).toEqual([10, 25, 4]);
    expect(gif.frames.map((f) => [f.width, f.height])).toEqual([
      [5, 3],
      [7, 4],
      [7, 4],
    ]);
    const raw = encodeGif(frames, 80, { loop: null });
    expect(decodeGif(raw).loop).toBeNull();
    expect(raw[raw.length - 1]).toBe(0x3b);
  });

  it('gray frames come back exactly (256-gray palette)', () => {
    const frames = [grayFrame(31, 17, 4), grayFrame(31, 17, 5)];
    const gif = decodeGif(encodeGif(frames, 100));
    gif.frames.forEach((f, k) => {
      const values = f.indices.map((i) => gif.palette[3 * i]);
      expect(values).toEqual([...frames[k].rgba].filter((_, i) => i % 4 === 0));
    });
  });

  it('colour frames map each pixel to its nearest palette entry (cube colours exactly)', () => {
    const w = 40;
    const h = 30;
    const rgba = new Uint8Array(w * h * 4);
    const src = bytes(w * h * 3, 9);
    for (let i = 0; i < w * h; i++) rgba.set([src[3 * i], src[3 * i + 1], src[3 * i + 2], 255], 4 * i);
    rgba.set([255, 0, 0, 255, 0, 128, 255, 255], 0); // two cube colours first
    const gif = decodeGif(encodeGif([{ rgba, width: w, height: h }], 50));
    expect(gif.palette).toEqual(gifPalette('cube'));
    const px = (i: number): number[] => [...gif.palette.subarray(3 * i, 3 * i + 3)];
    const ind = gif.frames[0].indices;
    expect(px(ind[0])).toEqual([255, 0, 0]);
    expect(px(ind[1])).toEqual([0, 128, 255]);
    for (let i = 0; i < w * h; i++) {
      const got = px(ind[i]);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c] - rgba[4 * i + c])).toBeLessThanOrEqual(26);
    }
  });

  it('is deterministic and rejects bad input', () => {
    const f = [grayFrame(4, 4, 1)];
    expect(encodeGif(f, 100)).toEqual(encodeGif(f, 100));
    expect(() => encodeGif([], 100)).toThrow(/no frames/);
    expect(() => encodeGif([{ rgba: new Uint8Array(3), width: 1, height: 1 }], 100)).toThrow(/bytes/);
    expect(() => encodeGif(f, [1, 2])).toThrow(/delays/);
  });
});
