/**
 * A run saved in pieces, so the autosave writes only what is new: a head (configuration, facts,
 * probe images; rewritten at each save, small) and numbered chunks, each holding the metric points,
 * evaluations and mask-history frames that arrived since the previous save. Metric points are
 * packed as float64 rows (the columns of metrics.csv, exact, NaN kept), frames as history.bin
 * bytes. Reading merges the chunks in order, keeping steps strictly increasing (a chunk written
 * twice adds nothing), and gives the same pieces a run bundle holds.
 * Pure TypeScript, no DOM.
 */
import type { RunConfig } from '../core/config';
import { LOSS_KEYS, type EvalResult, type ProbeResult, type StepMetrics } from '../core/trainerTypes';
import { checkHistoryJson } from '../export/bundleSchema';
import { decodeHistory, encodeHistory, type History, type HistoryJson } from '../export/history';
import type { MaskFrame } from '../export/maskHistory';

/** What the page holds for a live run (the parts of RunData a saved run keeps). */
export interface RunContent {
  metrics: readonly StepMetrics[];
  evals: readonly EvalResult[];
  frames: readonly MaskFrame[];
  images: ReadonlyMap<string, ProbeResult>;
}

export interface HeadPart {
  config: RunConfig;
  /** Free-form facts (backend, savedAt), as run.json's meta. */
  meta: Record<string, unknown>;
  probes: HistoryJson['probes'];
}

export interface ChunkPart {
  seq: number;
  evals: EvalResult[];
  frames: HistoryJson['frames'];
}

/** A part as stored: its JSON-able description and its payload buffers. */
export interface EncodedPart<P> {
  part: P;
  bytes: Uint8Array[];
}

/** Values per packed metric point: step, epoch, lamMb, lamBb, maskMean, 9 losses, accTrain, msPerStep. */
export const METRIC_WIDTH = 7 + LOSS_KEYS.length;

/** Metric points as float64 rows (the column order of metrics.csv). */
export function packMetrics(points: readonly StepMetrics[]): Uint8Array {
  const out = new Float64Array(points.length * METRIC_WIDTH);
  let o = 0;
  for (const m of points) {
    out[o++] = m.step;
    out[o++] = m.epoch;
    out[o++] = m.lamMb;
    out[o++] = m.lamBb;
    out[o++] = m.maskMean;
    for (const k of LOSS_KEYS) out[o++] = m.loss[k];
    out[o++] = m.acc.train;
    out[o++] = m.msPerStep;
  }
  return new Uint8Array(out.buffer);
}

export function unpackMetrics(bytes: Uint8Array, where: string): StepMetrics[] {
  if (bytes.byteLength % (8 * METRIC_WIDTH) !== 0)
    throw new Error(`${where}: ${bytes.byteLength} bytes of metrics is not a whole number of points`);
  // Copy to an aligned buffer (a stored view may start anywhere).
  const v = new Float64Array(bytes.slice().buffer);
  const out: StepMetrics[] = [];
  for (let o = 0; o < v.length;) {
    const step = v[o++];
    const epoch = v[o++];
    const lamMb = v[o++];
    const lamBb = v[o++];
    const maskMean = v[o++];
    const loss = {} as StepMetrics['loss'];
    for (const k of LOSS_KEYS) loss[k] = v[o++];
    const train = v[o++];
    out.push({ step, epoch, lamMb, lamBb, maskMean, loss, acc: { train }, msPerStep: v[o++] });
  }
  return out;
}

/** The head: configuration, facts, and the probe images (once per set of probe pairs). */
export function encodeHead(
  config: RunConfig,
  meta: Record<string, unknown>,
  images: ReadonlyMap<string, ProbeResult>,
): EncodedPart<HeadPart> {
  const { json, bin } = encodeHistory({ frames: [], images: new Map(images) });
  return { part: { config, meta, probes: json.probes }, bytes: [bin] };
}

/** A chunk: new metric points, evaluations and frames. Payload: [packed metrics, frame bytes]. */
export function encodeChunk(
  seq: number,
  metrics: readonly StepMetrics[],
  evals: readonly EvalResult[],
  frames: readonly MaskFrame[],
): EncodedPart<ChunkPart> {
  const { json, bin } = encodeHistory({ frames: frames.slice(), images: new Map() });
  return { part: { seq, evals: evals.slice(), frames: json.frames }, bytes: [packMetrics(metrics), bin] };
}

/** Items of `xs` whose step is past the previous kept one (sorted input: drops repeats). */
function increasing<T extends { step: number }>(xs: Iterable<T>): T[] {
  const out: T[] = [];
  for (const x of xs) if (out.length === 0 || x.step > out[out.length - 1].step) out.push(x);
  return out;
}

export interface AssembledRun {
  config: RunConfig;
  meta: Record<string, unknown>;
  metrics: StepMetrics[];
  evals: EvalResult[];
  history: History;
}

/**
 * Rebuilds a run from its head and chunks (any order; merged by `seq`). Steps stay strictly
 * increasing; frames of probe pairs the head does not know are dropped.
 * @throws Error naming the part that does not fit
 */
export function assembleRun(
  head: EncodedPart<HeadPart>,
  chunks: ReadonlyArray<EncodedPart<ChunkPart>>,
): AssembledRun {
  const sorted = chunks.slice().sort((a, b) => a.part.seq - b.part.seq);
  const metrics = increasing(
    sorted.flatMap((c) => unpackMetrics(c.bytes[0] ?? new Uint8Array(0), `chunk ${c.part.seq}`)),
  );
  const evals = increasing(sorted.flatMap((c) => c.part.evals));
  // Stored by this app, but checked like an imported file: a bad probe must not reach a canvas.
  const images = decodeHistory(
    checkHistoryJson({ version: 1, frames: [], probes: head.part.probes }, 'saved run (probe images)'),
    head.bytes[0] ?? new Uint8Array(0),
  ).images;
  const frames: MaskFrame[] = [];
  for (const c of sorted)
    for (const f of decodeFrames(c.part.frames, c.bytes[1] ?? new Uint8Array(0), images))
      if (frames.length === 0 || f.step > frames[frames.length - 1].step) frames.push(f);
  return { config: head.part.config, meta: head.part.meta, metrics, evals, history: { frames, images } };
}

/**
 * Frames of one chunk (masks and mixed images in history.bin order), sized by their probe pairs.
 * A frame of unknown probe pairs ends the chunk (its size, and so the rest, cannot be known).
 */
function decodeFrames(
  metas: HistoryJson['frames'],
  bin: Uint8Array,
  images: ReadonlyMap<string, ProbeResult>,
): MaskFrame[] {
  const out: MaskFrame[] = [];
  let at = 0;
  for (const f of metas) {
    const p = images.get(f.pairKey);
    if (!p) break;
    const px = p.width * p.height;
    const need = f.lamEff.length * px * (1 + p.channels);
    if (at + need > bin.length) break; // truncated: keep what is whole
    const masks: Uint8Array[] = [];
    const mixed: Uint8Array[] = [];
    for (let k = 0; k < f.lamEff.length; k++) {
      masks.push(bin.slice(at, at + px));
      mixed.push(bin.slice(at + px, at + px * (1 + p.channels)));
      at += px * (1 + p.channels);
    }
    out.push({ ...f, masks, mixed });
  }
  return out;
}
