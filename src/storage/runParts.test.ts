import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import type { EvalResult } from '../core/trainerTypes';
import { probeResult as probe, variedPoint as point } from '../testing/runPartsFixtures';
import { decodeHistory, encodeHistory } from '../export/history';
import { pairKeyOf, toFrame } from '../export/maskHistory';
import { assembleRun, encodeChunk, encodeHead, METRIC_WIDTH, packMetrics, unpackMetrics } from './runParts';

const steps = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);

describe('packed metric points', () => {
  it('round-trip exactly, NaN and ±Infinity included', () => {
    const points = steps(9).map(point);
    const bytes = packMetrics(points);
    expect(bytes.byteLength).toBe(9 * METRIC_WIDTH * 8);
    expect(unpackMetrics(bytes, 'x')).toEqual(points);
    // A view at an odd offset (as a stored buffer may be) reads the same.
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    expect(unpackMetrics(shifted.subarray(3), 'x')).toEqual(points);
  });

  it('refuse a byte count that is not whole points, naming where', () => {
    expect(() => unpackMetrics(new Uint8Array(8 * METRIC_WIDTH + 8), 'chunk 4')).toThrow(
      /chunk 4: .* not a whole number of points/,
    );
  });
});

describe('a run in parts', () => {
  const p = probe(10);
  const images = new Map([[pairKeyOf(p), p]]);
  const frames = [10, 20, 30, 40].map((s) => toFrame(probe(s)));
  const evals: EvalResult[] = [
    { step: 10, testAccQ: 0.4, testAccK: NaN },
    { step: 30, testAccQ: 0.5, testAccK: 0.52, knnAcc: 0.5 },
  ];
  const metrics = steps(40).map(point);
  const head = encodeHead(DEFAULT_CONFIG, { backend: 'wasm' }, images);

  it('chunks in any order assemble to the whole run; probe images as a bundle keeps them', () => {
    const chunks = [
      encodeChunk(2, metrics.slice(25), evals.slice(1), frames.slice(2)),
      encodeChunk(0, metrics.slice(0, 10), evals.slice(0, 1), frames.slice(0, 1)),
      encodeChunk(1, metrics.slice(10, 25), [], frames.slice(1, 2)),
    ];
    const run = assembleRun(head, chunks);
    expect(run.config).toEqual(DEFAULT_CONFIG);
    expect(run.meta).toEqual({ backend: 'wasm' });
    expect(run.metrics).toEqual(metrics);
    expect(run.evals).toEqual(evals);
    expect(run.history.frames).toEqual(frames);
    // The probe images are what a run bundle's history.json/history.bin give back.
    const { json, bin } = encodeHistory({ frames: [], images });
    expect(run.history.images).toEqual(decodeHistory(json, bin).images);
  });

  it('a chunk written twice, or overlapping the previous one, adds no repeated step', () => {
    const c0 = encodeChunk(0, metrics.slice(0, 20), evals, frames.slice(0, 2));
    const c1 = encodeChunk(1, metrics.slice(15, 30), evals, frames.slice(1, 3));
    const run = assembleRun(head, [c0, c1, c1]);
    expect(run.metrics.map((m) => m.step)).toEqual(steps(30));
    expect(run.evals).toEqual(evals);
    expect(run.history.frames.map((f) => f.step)).toEqual([10, 20, 30]);
  });

  it('drops frames of probe pairs the head does not know, and a truncated frame', () => {
    const other = toFrame(probe(50, 9));
    const c0 = encodeChunk(0, metrics.slice(0, 5), [], [frames[0], other, frames[1]]);
    // The unknown frame's size cannot be known: the rest of its chunk is dropped.
    expect(assembleRun(head, [c0]).history.frames.map((f) => f.step)).toEqual([10]);
    const c1 = encodeChunk(1, [], [], frames.slice(1, 3));
    const cut = { ...c1, bytes: [c1.bytes[0], c1.bytes[1].subarray(0, c1.bytes[1].length - 1)] };
    expect(assembleRun(head, [c0, cut]).history.frames.map((f) => f.step)).toEqual([10, 20]);
  });

  it('an empty run (head only) assembles to no points', () => {
    const run = assembleRun(head, []);
    expect([run.metrics, run.evals, run.history.frames]).toEqual([[], [], []]);
    expect(run.history.images.size).toBe(1);
  });
});
