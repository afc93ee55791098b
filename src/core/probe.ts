/**
 * The mask gallery's probe: the current method's mask for chosen test-image pairs (A, B) at a given
 * λ, with the mixed image and the share of each ground-truth object kept in the mix.
 *
 * The pairs are stacked into one batch X = [A_1..A_P, B_1..B_P] with σ(i) = P + i, so the mask of
 * row i mixes A_i (weight 1 − m) with B_i (weight m). Networks run in inference mode (moving BN
 * statistics, nothing updated). Random choices (boxes, spectra) come from the caller's probe `Rng`,
 * never the training generator. Learned methods show the raw Mixer mask (no lam_margin/adjust).
 */
import * as tf from '@tensorflow/tfjs';
import { mixerSwitches, type RunConfig } from './config';
import type { ImageDataset } from '../data/types';
import { METHODS } from './methods/registry';
import { stageFeatures, type SlModel } from './model';
import { inputSaliency } from './scenarios/handcrafted';
import { mixerForward } from './nets/mixer';
import { Rng } from '../lib/random';
import { meanObjectKept, OBJECT_KEPT_LAMS, objectKeptPairs, shareKept } from './objectKept';
import type { MaskSource } from './methods/types';
import type { ProbePair, ProbeResult } from './trainerTypes';

/** λ the gallery's probe pairs are mixed at. */
export const PROBE_LAM = 0.5;

/** Test images `idx` as [0, 1] floats (HWC) and normalised floats. */
function hostImages(ds: ImageDataset, idx: number[]): { raw: Float32Array[]; norm: Float32Array } {
  const px = ds.height * ds.width * ds.channels;
  const norm = new Float32Array(idx.length * px);
  const raw = idx.map((i, r) => {
    if (i < 0 || i >= ds.test.count)
      throw new RangeError(`test image ${i} out of range [0, ${ds.test.count})`);
    const img = new Float32Array(px);
    for (let j = 0; j < px; j++) {
      const c = j % ds.channels;
      img[j] = ds.test.images[i * px + j] / 255;
      norm[r * px + j] = (img[j] - ds.mean[c]) / ds.std[c];
    }
    return img;
  });
  return { raw, norm };
}

/**
 * Masks m (weight of B) for the pairs, `[P, H, W, 1]`, by the current method.
 */
function pairMasks(
  model: SlModel,
  cfg: RunConfig,
  x: tf.Tensor4D,
  labels: Int32Array,
  perm: Int32Array,
  lam: number,
  rng: Rng,
  pretrained?: MaskSource | null,
): tf.Tensor4D {
  const [n2, h, w] = x.shape;
  const p = n2 / 2;
  return tf.tidy(() => {
    const method = METHODS[cfg.method];
    let m: tf.Tensor4D;
    if (pretrained) {
      m = pretrained.rawMask(x, perm, lam); // SAMix^P: the frozen Mixer's raw mask
    } else if (model.mixer && model.k) {
      const z = stageFeatures(model.k, x, cfg.mixerStage, { training: false });
      m = mixerForward(model.mixer, { z, perm }, lam, {
        outSize: [h, w],
        lamMulK: cfg.lamMulK,
        training: false,
        ...mixerSwitches(cfg),
      }).m;
    } else if (method.makeMask) {
      const y = tf.tensor1d(labels, 'int32');
      m = method.makeMask({ x, perm, lam, rng, inputSaliency: () => inputSaliency(model, x, y) }).m;
    } else {
      m = tf.fill([n2, h, w, 1], method.kind === 'none' ? 0 : 1 - lam) as tf.Tensor4D; // ERM / ManifoldMix
    }
    return tf.slice(m, [0, 0, 0, 0], [p, h, w, 1]);
  });
}

/**
 * Renders the current method's masks for test-image pairs.
 * @param pairs test indices (A, B)
 * @param lam λ requested (weight of A)
 */
export async function probeModel(
  model: SlModel,
  cfg: RunConfig,
  ds: ImageDataset,
  pairs: Array<[number, number]>,
  lam: number,
  rng: Rng,
  step: number,
  pretrained?: MaskSource | null,
): Promise<ProbeResult> {
  const P = pairs.length;
  const result: ProbeResult = { step, height: ds.height, width: ds.width, channels: ds.channels, pairs: [] };
  if (P === 0) return result;
  const idx = [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
  const { raw, norm } = hostImages(ds, idx);
  const perm = Int32Array.from({ length: 2 * P }, (_, i) => (i < P ? P + i : i - P));
  const m = tf.tidy(() => {
    const x = tf.tensor4d(norm, [2 * P, ds.height, ds.width, ds.channels]);
    const labels = Int32Array.from(idx, (i) => ds.test.labels[i]);
    return pairMasks(model, cfg, x, labels, perm, lam, rng, pretrained);
  });
  const masks = (await m.data()) as Float32Array;
  m.dispose();
  const hw = ds.height * ds.width;
  const obj = ds.test.objectMasks;
  for (let i = 0; i < P; i++) {
    const mask = masks.slice(i * hw, (i + 1) * hw);
    const a = raw[i];
    const b = raw[P + i];
    const mixed = new Float32Array(a.length);
    for (let j = 0; j < a.length; j++) {
      const mj = mask[Math.floor(j / ds.channels)];
      mixed[j] = (1 - mj) * a[j] + mj * b[j];
    }
    const lamEff = 1 - mask.reduce((s, v) => s + v, 0) / hw;
    const pair: ProbePair = {
      indexA: pairs[i][0],
      indexB: pairs[i][1],
      labelA: ds.test.labels[pairs[i][0]],
      labelB: ds.test.labels[pairs[i][1]],
      lam,
      lamEff,
      imageA: a,
      imageB: b,
      mixed,
      mask,
      objectKeptA: obj
        ? shareKept(
            obj,
            pairs[i][0] * hw,
            Array.from(mask, (v) => 1 - v),
          )
        : NaN,
      objectKeptB: obj ? shareKept(obj, pairs[i][1] * hw, mask) : NaN,
    };
    result.pairs.push(pair);
  }
  return result;
}

/** Seed of the object-kept score's own generator (boxes, spectra), fresh at every measurement. */
const OBJECT_KEPT_SEED = 0x0b1e;

/**
 * Whether a method mixes the two images in place by a per-pixel mask, so that the object-kept score
 * applies: not ERM, not ManifoldMix (it mixes features), not ResizeMix (it pastes a shrunk copy of
 * the whole of B, so the mask does not say which of B's pixels are visible).
 */
export function mixesInPlace(cfg: Pick<RunConfig, 'method'>): boolean {
  const kind = METHODS[cfg.method].kind;
  return (kind === 'pixel' || kind === 'learned') && cfg.method !== 'resizemix';
}

/**
 * The run's object-kept score now (objectKept.ts): the current method's masks for the dataset's fixed
 * score pairs at each ratio of OBJECT_KEPT_LAMS, scored against the objects' ground-truth masks.
 * Deterministic for given weights (its random masks come from a fresh generator with a fixed seed).
 * @returns NaN on datasets without object masks and for methods that do not mix in place
 */
export async function probeObjectKept(
  model: SlModel,
  cfg: RunConfig,
  ds: ImageDataset,
  pretrained?: MaskSource | null,
): Promise<number> {
  const pairs = objectKeptPairs(ds);
  if (pairs.length === 0 || !mixesInPlace(cfg)) return NaN;
  const rng = new Rng(OBJECT_KEPT_SEED);
  const scored: ProbePair[] = [];
  for (const lam of OBJECT_KEPT_LAMS) {
    scored.push(...(await probeModel(model, cfg, ds, pairs, lam, rng, 0, pretrained)).pairs);
  }
  return meanObjectKept(ds, scored);
}
