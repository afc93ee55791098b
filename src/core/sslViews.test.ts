import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../testing/tf';
import { Rng } from '../lib/random';
import {
  affineMatrix,
  applyViews,
  drawViews,
  hueMatrix,
  sslView,
  viewOptionsFor,
  type ViewParams,
} from './sslViews';

const RGB = viewOptionsFor({ channels: 3, flip: true });
const GRAY = viewOptionsFor({ channels: 1, flip: false });

/** A deterministic batch of images in [0, 1]: `[n, h, w, c]`. */
function images(n: number, h: number, w: number, c: number): tf.Tensor4D {
  const rng = new Rng(5);
  return tf.tensor4d(
    Float32Array.from({ length: n * h * w * c }, () => rng.uniform()),
    [n, h, w, c],
  );
}

/** Parameters that change nothing (whole-image box, jitter identity, no gray). */
function identity(n: number, flip = false): ViewParams {
  const boxes = new Float32Array(4 * n);
  const jitter = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    boxes.set(flip ? [0, 1, 1, 0] : [0, 0, 1, 1], 4 * i);
    jitter.set([1, 1, 1, 0], 4 * i);
  }
  return { n, boxes, jitter, gray: new Float32Array(n) };
}

describe('SSL views', () => {
  beforeAll(() => initTestBackend());

  it('keeps the shape and the [0, 1] range, RGB and gray', () => {
    for (const [c, o] of [
      [3, RGB],
      [1, GRAY],
    ] as const) {
      const x = images(6, 12, 10, c);
      const v = applyViews(x, drawViews(new Rng(1), 6, 12, 10, o));
      expect(v.shape).toEqual([6, 12, 10, c]);
      const d = v.dataSync();
      expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...d)).toBeLessThanOrEqual(1);
      tf.dispose([x, v]);
    }
  });

  it('grayscale small affine: identity is a no-op, a 1 px shift moves pixels, 90° rotates', () => {
    expect(GRAY.affine).toEqual({ degrees: 15, translate: 0.1 });
    expect(RGB.affine).toBeNull();
    const x = images(1, 5, 5, 1);
    const px = x.arraySync()[0].map((r) => r.map((c) => c[0]));
    const run = (m: number[]) => {
      const v = applyViews(x, { ...identity(1), affine: Float32Array.from(m) });
      const out = (v.arraySync() as number[][][][])[0].map((r) => r.map((c) => c[0]));
      v.dispose();
      return out;
    };
    const same = run(affineMatrix(0, 0, 0, 5, 5));
    same.forEach((r, i) => r.forEach((p, j) => expect(p).toBeCloseTo(px[i][j], 5)));
    const shifted = run(affineMatrix(0, 1, 0, 5, 5)); // content moves right by 1 px, zero fill
    for (let i = 0; i < 5; i++) {
      expect(shifted[i][0]).toBe(0);
      for (let j = 1; j < 5; j++) expect(shifted[i][j]).toBeCloseTo(px[i][j - 1], 5);
    }
    const rot = run(affineMatrix(Math.PI / 2, 0, 0, 5, 5)); // a quarter turn about the centre
    const flat = (m: number[][]) => m.flat().sort((a, b) => a - b);
    expect(flat(rot)).toEqual(flat(px).map((v) => expect.closeTo(v, 4) as unknown as number));
    expect(rot[2][2]).toBeCloseTo(px[2][2], 5);
    x.dispose();
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const x = images(4, 8, 8, 3);
    const a = applyViews(x, drawViews(new Rng(3), 4, 8, 8, RGB)).dataSync();
    const b = applyViews(x, drawViews(new Rng(3), 4, 8, 8, RGB)).dataSync();
    const c = applyViews(x, drawViews(new Rng(4), 4, 8, 8, RGB)).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    x.dispose();
  });

  it('identity parameters return the image; a flipped box mirrors it', () => {
    const x = images(2, 6, 5, 3);
    const same = applyViews(x, identity(2));
    expect(Math.max(...tf.abs(tf.sub(same, x)).dataSync())).toBeLessThan(1e-5);
    const flipped = applyViews(x, identity(2, true));
    expect(Math.max(...tf.abs(tf.sub(flipped, tf.reverse(x, 2))).dataSync())).toBeLessThan(1e-5);
    x.dispose();
  });

  it('grayscale samples have three equal channels, the others do not', () => {
    const x = images(3, 5, 5, 3);
    const p = identity(3);
    p.gray[1] = 1;
    const v = applyViews(x, p);
    const [r, g, b] = tf.unstack(v, 3);
    const spread = tf
      .max(tf.abs(tf.sub(r, g)), [1, 2])
      .add(tf.max(tf.abs(tf.sub(g, b)), [1, 2]))
      .dataSync();
    expect(spread[1]).toBeLessThan(1e-6);
    expect(spread[0]).toBeGreaterThan(0.01);
    x.dispose();
  });

  it('draws grayscale at about the asked rate and jitter on RGB only', () => {
    const p = drawViews(new Rng(9), 2000, 8, 8, RGB);
    const grayRate = p.gray.reduce((s, g) => s + g, 0) / 2000;
    expect(grayRate).toBeGreaterThan(0.16);
    expect(grayRate).toBeLessThan(0.24);
    const q = drawViews(new Rng(9), 50, 8, 8, GRAY);
    expect(Array.from(q.jitter.slice(0, 8))).toEqual([1, 1, 1, 0, 1, 1, 1, 0]);
    expect(q.gray.every((g) => g === 0)).toBe(true);
  });

  it('hue rotation is the identity at 0, keeps grays and stays a rotation', () => {
    const m0 = hueMatrix(0);
    expect(m0.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const m = hueMatrix(0.1);
    const gray = [0.4, 0.4, 0.4];
    const out = [0, 1, 2].map((j) => gray.reduce((s, v, i) => s + v * m[3 * i + j], 0));
    out.forEach((v) => expect(v).toBeCloseTo(0.4, 9));
  });

  it('sslView round-trips the normalisation and leaks nothing', () => {
    const norm = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] };
    const unit = images(2, 6, 6, 3);
    const x = tf.div(tf.sub(unit, norm.mean), norm.std) as tf.Tensor4D;
    const back = sslView(x, identity(2), norm);
    const expected = tf.div(tf.sub(unit, norm.mean), norm.std);
    expect(Math.max(...tf.abs(tf.sub(back, expected)).dataSync())).toBeLessThan(1e-4);
    const p = drawViews(new Rng(2), 2, 6, 6, RGB);
    expectNoLeak(() => sslView(x, p, norm));
    tf.dispose([unit, x, back, expected]);
  });

  it('randomises colour fully on shapes only: hues over the whole circle, gray about half the time', () => {
    const shapes = viewOptionsFor({ name: 'shapes', channels: 3, flip: true });
    const cifar = viewOptionsFor({ name: 'cifar10', channels: 3, flip: true });
    expect(cifar).toEqual(RGB);
    expect(shapes).toEqual({ ...RGB, jitter: [0.4, 0.4, 0.4, 0.5], jitterProb: 1, grayProb: 0.5 });
    const n = 2000;
    const draw = (o: typeof RGB) => drawViews(new Rng(4), n, 8, 8, o);
    const hues = (p: ViewParams) => Array.from({ length: n }, (_, i) => p.jitter[4 * i + 3]);
    const s = draw(shapes);
    const c = draw(cifar);
    // Hue shifts in turns: CIFAR stays within ±0.1; shapes reach past ±0.4 (rotations of more than 144°).
    expect(Math.max(...hues(c).map(Math.abs))).toBeLessThanOrEqual(0.1);
    expect(hues(s).filter((h) => Math.abs(h) > 0.4).length / n).toBeGreaterThan(0.15);
    expect(hues(s).filter((h) => h === 0).length).toBe(0); // jitter always applied
    const grayRate = s.gray.reduce((a, b) => a + b, 0) / n;
    expect(grayRate).toBeGreaterThan(0.45);
    expect(grayRate).toBeLessThan(0.55);
  });
});
