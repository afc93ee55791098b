import { describe, expect, it } from 'vitest';
import { centerCropResize } from './images';

function solid(
  w: number,
  h: number,
  f: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(f(x, y), 4 * (y * w + x));
  return out;
}

describe('centerCropResize', () => {
  it('keeps a square image of the target size unchanged', () => {
    const img = solid(4, 4, (x, y) => [x * 10, y * 10, 7, 255]);
    const out = centerCropResize(img, 4, 4, 4, 3);
    expect(Array.from(out.subarray(0, 6))).toEqual([0, 0, 7, 10, 0, 7]);
  });

  it('centre-crops a wide image and area-averages when shrinking', () => {
    // 8×4: left and right 2 columns red (cropped away), centre 4×4 is a 2×2 checker of 2×2 blocks.
    const img = solid(8, 4, (x, y) =>
      x < 2 || x >= 6 ? [255, 0, 0, 255] : (x - 2) >> 1 === y >> 1 ? [200, 200, 200, 255] : [0, 0, 0, 255],
    );
    const out = centerCropResize(img, 8, 4, 2, 3);
    expect(Array.from(out)).toEqual([200, 200, 200, 0, 0, 0, 0, 0, 0, 200, 200, 200]);
    const one = centerCropResize(img, 8, 4, 1, 1);
    expect(one[0]).toBe(100);
  });

  it('enlarges bilinearly, converts to gray and composites transparency over black', () => {
    const img = solid(2, 2, (x) => (x === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const out = centerCropResize(img, 2, 2, 4, 1);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 64, 191, 255]);
    const transparent = solid(2, 2, () => [255, 255, 255, 0]);
    expect(Array.from(centerCropResize(transparent, 2, 2, 2, 3))).toEqual(new Array(12).fill(0));
  });
});
