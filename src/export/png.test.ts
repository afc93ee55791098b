import { unzlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { decodePng } from '../data/png';
import { encodePng, sheet } from './png';

function randomRgba(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n * 4);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('encodePng', () => {
  it('round-trips through the project PNG decoder (CRCs checked there)', () => {
    for (const [w, h] of [
      [1, 1],
      [13, 7],
      [64, 40],
    ]) {
      const rgba = randomRgba(w * h, w * 31 + h);
      const img = decodePng(encodePng(rgba, w, h), 'test.png');
      expect([img.width, img.height]).toEqual([w, h]);
      expect(img.rgba).toEqual(rgba);
    }
  });

  it('writes RGBA 8-bit, filter 0 rows in a zlib stream', () => {
    const rgba = randomRgba(3 * 2, 5);
    const png = encodePng(new Uint8ClampedArray(rgba), 3, 2);
    expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect([...png.subarray(24, 29)]).toEqual([8, 6, 0, 0, 0]);
    const idatLen = new DataView(png.buffer).getUint32(33);
    expect(String.fromCharCode(...png.subarray(37, 41))).toBe('IDAT');
    const raw = unzlibSync(png.subarray(41, 41 + idatLen));
    expect(raw.length).toBe(2 * (1 + 3 * 4));
    expect([raw[0], raw[13]]).toEqual([0, 0]);
  });

  it('rejects mismatched sizes', () => {
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow(/expected 16/);
    expect(() => encodePng(new Uint8Array(0), 0, 0)).toThrow(/bad size/);
  });
});

describe('sheet', () => {
  const solid = (w: number, h: number, v: number) => ({
    rgba: new Uint8Array(w * h * 4).fill(v),
    width: w,
    height: h,
  });

  it('places images on a grid with gaps, centred in equal cells, background elsewhere', () => {
    const s = sheet(
      [solid(2, 2, 10), solid(2, 2, 20), solid(2, 2, 30), solid(1, 1, 40)],
      3,
      1,
      [0, 0, 0, 255],
    );
    expect([s.width, s.height]).toEqual([3 * 2 + 2, 2 * 2 + 1]);
    const at = (x: number, y: number): number[] => [
      ...s.rgba.subarray((y * s.width + x) * 4, (y * s.width + x) * 4 + 4),
    ];
    expect(at(0, 0)).toEqual([10, 10, 10, 10]);
    expect(at(2, 0)).toEqual([0, 0, 0, 255]); // gap
    expect(at(3, 1)).toEqual([20, 20, 20, 20]);
    expect(at(7, 1)).toEqual([30, 30, 30, 30]);
    expect(at(0, 3)).toEqual([40, 40, 40, 40]); // 1×1 in the 2×2 cell of row 2 (offset ⌊(2 − 1)/2⌋ = 0)
    expect(at(1, 4)).toEqual([0, 0, 0, 255]);
    expect(at(4, 4)).toEqual([0, 0, 0, 255]); // empty cell
    const round = decodePng(encodePng(s.rgba, s.width, s.height), 'sheet.png');
    expect(round.rgba).toEqual(s.rgba);
  });

  it('rejects empty input and bad layout', () => {
    expect(() => sheet([], 2, 0)).toThrow(/no images/);
    expect(() => sheet([solid(1, 1, 0)], 0, 0)).toThrow(/columns/);
    expect(() => sheet([solid(1, 1, 0)], 1, -1)).toThrow(/gap/);
  });
});
