import { describe, expect, it } from 'vitest';
import { imageToRgba, maskColor, maskToRgba } from './pixels';

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
  });
});
