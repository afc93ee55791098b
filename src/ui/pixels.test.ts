import { describe, expect, it } from 'vitest';
import { bytesToRgba, imageToRgba, maskColor, maskToRgba } from './pixels';

describe('pixels', () => {
  it('expands grayscale to RGB and clamps to [0,1]', () => {
    const out = imageToRgba(new Float32Array([0, 0.5, 2]), 3, 1, 1);
    expect(Array.from(out)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('keeps RGB channel order', () => {
    const out = imageToRgba(new Float32Array([1, 0, 0.2]), 1, 1, 3);
    expect(Array.from(out)).toEqual([255, 0, 51, 255]);
  });

  it('maps mask ends to the colour map ends and is monotone in brightness', () => {
    expect(maskColor(0)).toEqual([68, 1, 84]);
    expect(maskColor(1)).toEqual([253, 231, 37]);
    const lum = (v: number) => maskColor(v).reduce((a, b) => a + b, 0);
    for (let v = 0.1; v <= 1; v += 0.1) expect(lum(v)).toBeGreaterThan(lum(v - 0.1));
    expect(Array.from(maskToRgba(new Float32Array([0]), 1, 1))).toEqual([68, 1, 84, 255]);
    // The heatmap's lookup table stays within one level of the exact colour map.
    const vs = Float32Array.from({ length: 101 }, (_, i) => i / 100);
    const px = maskToRgba(vs, 101, 1);
    vs.forEach((v, i) =>
      maskColor(v).forEach((c, ch) => expect(Math.abs(px[i * 4 + ch] - c)).toBeLessThanOrEqual(1)),
    );
  });

  it('expands uint8 grayscale and keeps uint8 RGB as is', () => {
    expect(Array.from(bytesToRgba(new Uint8Array([0, 7, 255]), 3, 1, 1))).toEqual([
      0, 0, 0, 255, 7, 7, 7, 255, 255, 255, 255, 255,
    ]);
    expect(Array.from(bytesToRgba(new Uint8Array([1, 2, 3, 4, 5, 6]), 2, 1, 3))).toEqual([
      1, 2, 3, 255, 4, 5, 6, 255,
    ]);
  });
});
