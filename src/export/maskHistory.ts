/**
 * The mask history behind the timeline: every probe the worker sends is kept as compact uint8 masks
 * and mixed images (one byte per value; the mixed image is kept too because ResizeMix does not mix
 * pixel by pixel), with the source images stored once per set of probe pairs. A frame is turned back
 * into a full ProbeResult for display.
 * Pure TypeScript, unit-tested.
 */
import type { ProbePair, ProbeResult } from '../core/trainerTypes';

export interface MaskFrame {
  step: number;
  /** Identifies the probe pairs (their test indices) the frame belongs to. */
  pairKey: string;
  masks: Uint8Array[];
  mixed: Uint8Array[];
  lamEff: number[];
  objectKeptA: number[];
  objectKeptB: number[];
}

/** At most this many frames are kept; beyond it every other old frame is dropped. */
export const MAX_FRAMES = 1500;
/** And at most this many bytes of masks and mixed images (large images hit this before MAX_FRAMES). */
export const MAX_HISTORY_BYTES = 16 * 1024 ** 2;

/** Bytes a frame holds (its uint8 masks and mixed images). */
export function frameBytes(f: MaskFrame): number {
  let n = 0;
  for (const m of f.masks) n += m.byteLength;
  for (const m of f.mixed) n += m.byteLength;
  return n;
}

export function pairKeyOf(r: ProbeResult): string {
  return r.pairs.map((p) => `${p.indexA}-${p.indexB}`).join(',');
}

/** Values in [0,1] → bytes (clamped). */
export function quantize(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, values[i])) * 255);
  return out;
}

function dequantize(q: Uint8Array): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i] / 255;
  return out;
}

export function toFrame(r: ProbeResult): MaskFrame {
  return {
    step: r.step,
    pairKey: pairKeyOf(r),
    masks: r.pairs.map((p) => quantize(p.mask)),
    mixed: r.pairs.map((p) => quantize(p.mixed)),
    lamEff: r.pairs.map((p) => p.lamEff),
    objectKeptA: r.pairs.map((p) => p.objectKeptA),
    objectKeptB: r.pairs.map((p) => p.objectKeptB),
  };
}

/** Appends a frame (replacing one of the same step), thinning the oldest half past the cap. */
export function appendFrame(frames: MaskFrame[], f: MaskFrame): MaskFrame[] {
  const last = frames[frames.length - 1];
  const base = last && last.step === f.step && last.pairKey === f.pairKey ? frames.slice(0, -1) : frames;
  const next = base.concat(f);
  // Frames of one run have one size, so the byte budget is a frame count too.
  const cap = Math.max(16, Math.min(MAX_FRAMES, Math.floor(MAX_HISTORY_BYTES / Math.max(1, frameBytes(f)))));
  if (next.length <= cap) return next;
  const half = Math.floor(next.length / 2);
  return next
    .slice(0, half)
    .filter((_, i) => i % 2 === 0)
    .concat(next.slice(half));
}

/** Index of the frame closest to `step` (frames sorted by step). */
export function nearestFrame(frames: readonly MaskFrame[], step: number): number {
  if (frames.length === 0) return -1;
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(frames[lo - 1].step - step) <= Math.abs(frames[lo].step - step)) return lo - 1;
  return lo;
}

/** Rebuilds what the gallery shows for a frame, using the images of the probe with the same pairs. */
export function frameToProbe(frame: MaskFrame, images: ProbeResult): ProbeResult {
  const { width, height, channels } = images;
  const pairs: ProbePair[] = images.pairs.map((p, k) => ({
    ...p,
    mask: dequantize(frame.masks[k]),
    mixed: dequantize(frame.mixed[k]),
    lamEff: frame.lamEff[k],
    objectKeptA: frame.objectKeptA[k],
    objectKeptB: frame.objectKeptB[k],
  }));
  return { step: frame.step, width, height, channels, pairs };
}
