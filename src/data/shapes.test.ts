import { describe, expect, it } from 'vitest';
import { generateShapes, SHAPE_CLASSES } from './shapes';
import { sameBytes } from './testFixtures';

describe('generateShapes', () => {
  it('is deterministic and independent of anything but its options', () => {
    const a = generateShapes({ trainCount: 200, testCount: 50 });
    const b = generateShapes({ trainCount: 200, testCount: 50 });
    expect(sameBytes(a.train.images, b.train.images)).toBe(true);
    expect(sameBytes(a.train.labels, b.train.labels)).toBe(true);
    expect(sameBytes(a.test.objectMasks, b.test.objectMasks)).toBe(true);
    const c = generateShapes({ trainCount: 200, testCount: 50, seed: 7 });
    expect(sameBytes(c.train.images, a.train.images)).toBe(false);
    // The test split does not depend on how many training images were asked for.
    const d = generateShapes({ trainCount: 30, testCount: 50 });
    expect(sameBytes(d.test.images, a.test.images)).toBe(true);
  });

  it('has the documented geometry, balanced classes and train statistics', () => {
    const ds = generateShapes({ trainCount: 500, testCount: 100 });
    expect(ds.classes).toEqual([...SHAPE_CLASSES]);
    expect(ds.classes).toHaveLength(10);
    expect([ds.height, ds.width, ds.channels, ds.flip]).toEqual([32, 32, 3, true]);
    expect(ds.train.images.length).toBe(500 * 32 * 32 * 3);
    expect(ds.test.images.length).toBe(100 * 32 * 32 * 3);
    for (const split of [ds.train, ds.test]) {
      const counts = new Array(10).fill(0);
      split.labels.forEach((l) => counts[l]++);
      expect(new Set(counts).size).toBe(1);
    }
    expect(ds.mean).toHaveLength(3);
    ds.mean.forEach((m) => expect(m).toBeGreaterThan(0.2));
    ds.std.forEach((s) => expect(s).toBeGreaterThan(0.1));
  });

  it('has a binary, non-empty object mask per image that lines up with the object pixels', () => {
    const ds = generateShapes({ trainCount: 300, testCount: 10 });
    const masks = ds.train.objectMasks;
    expect(masks).toBeDefined();
    if (!masks) return;
    expect(masks.length).toBe(300 * 32 * 32);
    expect(masks.every((v) => v === 0 || v === 255)).toBe(true);
    let alignedBetter = 0;
    for (let i = 0; i < 300; i++) {
      const m = masks.subarray(i * 1024, (i + 1) * 1024);
      const area = m.reduce((n, v) => n + (v ? 1 : 0), 0);
      expect(area).toBeGreaterThan(8); // at least a few pixels even when scaled down and clipped
      expect(area).toBeLessThan(1024 * 0.8);
      // Pixels inside the mask are closer in colour to each other than to the outside on average:
      // mean colour distance between inside and outside pixels should beat the within-outside spread.
      const img = ds.train.images.subarray(i * 3072, (i + 1) * 3072);
      const mean = (inside: boolean): number[] => {
        const s = [0, 0, 0];
        let n = 0;
        for (let p = 0; p < 1024; p++)
          if (!!m[p] === inside) {
            for (let c = 0; c < 3; c++) s[c] += img[3 * p + c];
            n++;
          }
        return s.map((v) => v / Math.max(1, n));
      };
      const inM = mean(true);
      const outM = mean(false);
      if (Math.hypot(inM[0] - outM[0], inM[1] - outM[1], inM[2] - outM[2]) > 20) alignedBetter++;
    }
    // Objects differ from their surroundings in the masked region for the vast majority of images.
    expect(alignedBetter).toBeGreaterThan(300 * 0.8);
  });

  it('colour is not a class cue: mean object colour is similar across classes', () => {
    const ds = generateShapes({ trainCount: 1000, testCount: 10 });
    const masks = ds.train.objectMasks as Uint8Array;
    const sums = Array.from({ length: 10 }, () => [0, 0, 0, 0]);
    for (let i = 0; i < 1000; i++) {
      const s = sums[ds.train.labels[i]];
      for (let p = 0; p < 1024; p++)
        if (masks[i * 1024 + p]) {
          for (let c = 0; c < 3; c++) s[c] += ds.train.images[(i * 1024 + p) * 3 + c];
          s[3]++;
        }
    }
    const means = sums.map((s) => [s[0] / s[3], s[1] / s[3], s[2] / s[3]]);
    for (const m of means) for (let c = 0; c < 3; c++) expect(Math.abs(m[c] - means[0][c])).toBeLessThan(40);
  });

  it('generates the default 6,000 images fast', () => {
    const t0 = performance.now();
    const ds = generateShapes();
    const ms = performance.now() - t0;
    expect(ds.train.count + ds.test.count).toBe(6000);
    expect(ms).toBeLessThan(1500); // ~0.3 s on a 2-vCPU VM; generous for loaded CI machines
  });
});
