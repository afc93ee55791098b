import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../core/trainerTypes';
import { MAX_FRAMES, appendFrame, frameToProbe, nearestFrame, toFrame, type MaskFrame } from './maskHistory';

function probe(step: number, maskValue: number): ProbeResult {
  const imageA = new Float32Array([0, 0, 0, 0]);
  const imageB = new Float32Array([1, 1, 1, 1]);
  const mask = new Float32Array([maskValue, 0, 1, 0.5]);
  const mixed = mask.map((m, i) => (1 - m) * imageA[i] + m * imageB[i]);
  return {
    step,
    width: 2,
    height: 2,
    channels: 1,
    pairs: [
      {
        indexA: 3,
        indexB: 7,
        labelA: 0,
        labelB: 1,
        lam: 0.5,
        lamEff: 0.6,
        imageA,
        imageB,
        mixed,
        mask,
        objectKeptA: 0.9,
        objectKeptB: 0.2,
      },
    ],
  };
}

describe('mask history', () => {
  it('a frame round-trips masks and mixed images within one quantisation step', () => {
    const p = probe(10, 0.3);
    const back = frameToProbe(toFrame(p), p).pairs[0];
    expect(back.mask.length).toBe(4);
    back.mask.forEach((v, i) =>
      expect(Math.abs(v - p.pairs[0].mask[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-7),
    );
    back.mixed.forEach((v, i) =>
      expect(Math.abs(v - p.pairs[0].mixed[i])).toBeLessThanOrEqual(0.5 / 255 + 1e-7),
    );
    expect(back.imageA).toBe(p.pairs[0].imageA);
    expect(back.lamEff).toBe(0.6);
    expect(back.objectKeptB).toBe(0.2);
  });

  it('finds the nearest frame by step', () => {
    const frames = [0, 10, 20, 40].map((s) => toFrame(probe(s, 0)));
    expect(nearestFrame(frames, -5)).toBe(0);
    expect(nearestFrame(frames, 14)).toBe(1);
    expect(nearestFrame(frames, 16)).toBe(2);
    expect(nearestFrame(frames, 31)).toBe(3);
    expect(nearestFrame(frames, 1000)).toBe(3);
    expect(nearestFrame([], 3)).toBe(-1);
  });

  it('replaces a frame of the same step and caps the history, keeping the newest half intact', () => {
    let frames: MaskFrame[] = [];
    frames = appendFrame(frames, toFrame(probe(1, 0)));
    frames = appendFrame(frames, toFrame(probe(1, 1)));
    expect(frames.length).toBe(1);
    expect(frames[0].masks[0][0]).toBe(255);
    for (let s = 2; s <= MAX_FRAMES + 1; s++) frames = appendFrame(frames, toFrame(probe(s, 0)));
    expect(frames.length).toBeLessThanOrEqual(MAX_FRAMES);
    expect(frames[frames.length - 1].step).toBe(MAX_FRAMES + 1);
    for (let i = 1; i < frames.length; i++) expect(frames[i].step).toBeGreaterThan(frames[i - 1].step);
  });
});
