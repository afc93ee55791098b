import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../core/trainerTypes';
import { toFrame, pairKeyOf } from './maskHistory';
import { decodeHistory, encodeHistory } from './history';

function probe(step: number, v: number): ProbeResult {
  const img = (x: number) => new Float32Array(2 * 2 * 3).fill(x);
  return {
    step,
    width: 2,
    height: 2,
    channels: 3,
    pairs: [
      {
        indexA: 1,
        indexB: 2,
        labelA: 0,
        labelB: 3,
        lam: 0.5,
        lamEff: 0.4,
        imageA: img(0.2),
        imageB: img(0.8),
        mixed: img(v),
        mask: new Float32Array([0, v, 1, v]),
        objectKeptA: 0.5,
        objectKeptB: 0.25,
      },
    ],
  };
}

describe('mask history in bundles', () => {
  it('round-trips frames exactly and probe images to within one byte step', () => {
    const p1 = probe(10, 0.3);
    const p2 = probe(20, 0.6);
    const frames = [toFrame(p1), toFrame(p2)];
    const images = new Map([[pairKeyOf(p2), p2]]);
    const { json, bin } = encodeHistory({ frames, images });
    const back = decodeHistory(JSON.parse(JSON.stringify(json)), bin);
    expect(back.frames).toEqual(frames);
    const img = back.images.get(pairKeyOf(p2))!;
    expect(img.pairs[0].indexB).toBe(2);
    img.pairs[0].imageA.forEach((x) => expect(Math.abs(x - 0.2)).toBeLessThan(0.5 / 255 + 1e-7));
  });

  it('rejects a truncated binary and a frame of unknown pairs', () => {
    const p = probe(1, 0.5);
    const { json, bin } = encodeHistory({ frames: [toFrame(p)], images: new Map([[pairKeyOf(p), p]]) });
    expect(() => decodeHistory(json, bin.slice(0, bin.length - 1))).toThrow('history.bin: truncated');
    expect(() => decodeHistory({ ...json, probes: [] }, bin)).toThrow('refers to unknown probe pairs 1-2');
  });
});
