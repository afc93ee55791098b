/**
 * The mask history in a form a run bundle can carry and the timeline can reopen: frame metadata and
 * probe-pair facts as JSON, and every byte array (masks, mixed images, and the probe images A/B
 * quantised to bytes) concatenated in one binary file. Pure TypeScript, no DOM.
 */
import type { ProbeResult } from '../core/trainerTypes';
import { quantize, type MaskFrame } from './maskHistory';

export interface HistoryJson {
  version: 1;
  frames: Array<{
    step: number;
    pairKey: string;
    lamEff: number[];
    objectKeptA: number[];
    objectKeptB: number[];
  }>;
  probes: Array<{
    pairKey: string;
    step: number;
    width: number;
    height: number;
    channels: number;
    pairs: Array<{ indexA: number; indexB: number; labelA: number; labelB: number; lam: number }>;
  }>;
}

export interface History {
  frames: MaskFrame[];
  images: Map<string, ProbeResult>;
}

/** Serialises frames and probe images; the binary layout is implied by the JSON (in order). */
export function encodeHistory(h: History): { json: HistoryJson; bin: Uint8Array } {
  const parts: Uint8Array[] = [];
  const probes: HistoryJson['probes'] = [];
  for (const [pairKey, p] of h.images) {
    probes.push({
      pairKey,
      step: p.step,
      width: p.width,
      height: p.height,
      channels: p.channels,
      pairs: p.pairs.map((q) => ({
        indexA: q.indexA,
        indexB: q.indexB,
        labelA: q.labelA,
        labelB: q.labelB,
        lam: q.lam,
      })),
    });
    for (const q of p.pairs) parts.push(quantize(q.imageA), quantize(q.imageB));
  }
  for (const f of h.frames) for (let k = 0; k < f.masks.length; k++) parts.push(f.masks[k], f.mixed[k]);
  const bin = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const p of parts) {
    bin.set(p, at);
    at += p.length;
  }
  const frames = h.frames.map((f) => ({
    step: f.step,
    pairKey: f.pairKey,
    lamEff: f.lamEff,
    objectKeptA: f.objectKeptA,
    objectKeptB: f.objectKeptB,
  }));
  return { json: { version: 1, frames, probes }, bin };
}

/** Rebuilds frames and probe images; throws naming what does not fit. */
export function decodeHistory(json: HistoryJson, bin: Uint8Array): History {
  if (json.version !== 1) throw new Error(`history.json: version ${String(json.version)} is not supported`);
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > bin.length)
      throw new Error(`history.bin: truncated (needs more than its ${bin.length} bytes)`);
    const out = bin.slice(at, at + n);
    at += n;
    return out;
  };
  const toFloat = (q: Uint8Array): Float32Array => Float32Array.from(q, (v) => v / 255);
  const images = new Map<string, ProbeResult>();
  const shapes = new Map<string, { px: number; vals: number }>();
  for (const p of json.probes) {
    const px = p.width * p.height;
    const vals = px * p.channels;
    shapes.set(p.pairKey, { px, vals });
    images.set(p.pairKey, {
      step: p.step,
      width: p.width,
      height: p.height,
      channels: p.channels,
      pairs: p.pairs.map((q) => {
        const imageA = toFloat(take(vals));
        const imageB = toFloat(take(vals));
        return {
          ...q,
          imageA,
          imageB,
          mixed: new Float32Array(vals),
          mask: new Float32Array(px),
          lamEff: q.lam,
          objectKeptA: NaN,
          objectKeptB: NaN,
        };
      }),
    });
  }
  const frames: MaskFrame[] = json.frames.map((f) => {
    const s = shapes.get(f.pairKey);
    if (!s)
      throw new Error(`history.json: frame at step ${f.step} refers to unknown probe pairs ${f.pairKey}`);
    const masks: Uint8Array[] = [];
    const mixed: Uint8Array[] = [];
    for (let k = 0; k < f.lamEff.length; k++) {
      masks.push(take(s.px));
      mixed.push(take(s.vals));
    }
    return { ...f, masks, mixed };
  });
  if (at !== bin.length) throw new Error(`history.bin: ${bin.length - at} bytes left over`);
  return { frames, images };
}
