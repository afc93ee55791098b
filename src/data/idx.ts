/**
 * IDX files (the MNIST / Fashion-MNIST format): a big-endian magic `00 00 <dtype> <ndims>` — 2049
 * (0x00000801) for label vectors and 2051 (0x00000803) for image stacks — then `ndims` uint32
 * dimensions and the raw data. Only dtype 0x08 (unsigned byte) is supported. Pure TypeScript.
 */

import { Rng } from '../lib/random';
import { checkLabels } from './limits';
import { channelStats } from './stats';
import { DataError, type ImageDataset, type ImageSplit } from './types';

/** IDX dtype codes (third magic byte) and their element sizes. */
const IDX_DTYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'unsigned byte', bytes: 1 },
  0x09: { name: 'signed byte', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** A parsed IDX tensor: its dimensions and a view of its uint8 data. */
export interface IdxTensor {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses one IDX file. Throws a {@link DataError} naming `file` on a wrong magic number, an
 * unsupported dtype, a truncated file or trailing bytes. The returned data is a view of `bytes`.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxTensor {
  if (bytes.length < 4)
    throw new DataError(file, `truncated: ${bytes.length} bytes is shorter than the 4-byte IDX magic number`);
  const magic = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const dtype = bytes[2];
  const ndims = bytes[3];
  const hex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (bytes[0] !== 0 || bytes[1] !== 0 || !(dtype in IDX_DTYPES) || ndims < 1 || ndims > 4) {
    throw new DataError(
      file,
      `wrong magic number ${hex} (${magic}); expected 0x00000801 (2049, labels) or 0x00000803 (2051, images) — is this an IDX file?`,
    );
  }
  if (dtype !== 0x08) {
    throw new DataError(
      file,
      `unsupported IDX dtype 0x${dtype.toString(16).padStart(2, '0')} (${IDX_DTYPES[dtype].name}); only unsigned bytes (0x08) are supported`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      file,
      `truncated: the header of ${ndims} dimension(s) needs ${headerBytes} bytes, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let expected = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    expected *= d;
  }
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new DataError(
      file,
      `truncated: dimensions ${dims.join('×')} need ${expected.toLocaleString('en-US')} data bytes, the file has ${actual.toLocaleString('en-US')}`,
    );
  }
  if (actual > expected) {
    throw new DataError(
      file,
      `${(actual - expected).toLocaleString('en-US')} trailing bytes after the ${expected.toLocaleString('en-US')} data bytes of dimensions ${dims.join('×')}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** The raw bytes of one image IDX file and its matching label IDX file. */
export interface IdxPair {
  images: Uint8Array;
  imagesFile: string;
  labels: Uint8Array;
  labelsFile: string;
}

/** One split decoded from an {@link IdxPair}, with its geometry. */
export interface IdxSplit extends ImageSplit {
  height: number;
  width: number;
  channels: 1 | 3;
}

/**
 * Parses and cross-checks an image/label pair: images must be `n×h×w` or `n×h×w×{1,3}`, labels
 * `n`, and both counts must agree (else a {@link DataError} naming both files).
 */
export function idxPairToSplit(pair: IdxPair): IdxSplit {
  const img = parseIdx(pair.images, pair.imagesFile);
  const lab = parseIdx(pair.labels, pair.labelsFile);
  if (img.dims.length < 3 || (img.dims.length === 4 && img.dims[3] !== 1 && img.dims[3] !== 3)) {
    throw new DataError(
      pair.imagesFile,
      `expected images of shape count×height×width[×1|3], found ${img.dims.join('×')}`,
    );
  }
  if (lab.dims.length !== 1)
    throw new DataError(
      pair.labelsFile,
      `expected a label vector (1 dimension), found ${lab.dims.join('×')}`,
    );
  const [count, height, width] = img.dims;
  if (lab.dims[0] !== count) {
    throw new DataError(
      `${pair.imagesFile} + ${pair.labelsFile}`,
      `counts disagree: ${pair.imagesFile} has ${count.toLocaleString('en-US')} images but ${pair.labelsFile} has ${lab.dims[0].toLocaleString('en-US')} labels`,
    );
  }
  const channels = img.dims.length === 4 && img.dims[3] === 3 ? 3 : 1;
  return { count, height, width, channels, images: img.data, labels: lab.data };
}

export interface IdxDatasetOptions {
  /** Dataset identifier, e.g. `fashion-mnist` or `idx`. */
  name: string;
  train: IdxPair;
  /** The test pair; without one, a stratified `testFraction` of the train pair is held out. */
  test?: IdxPair;
  /** Class names; default `'0'…'K−1'`, with labels checked to be 0..K−1 (limits.ts checkLabels). */
  classes?: string[];
  /** Horizontal flips valid (default false: digits). */
  flip?: boolean;
  /** Per-channel mean/std; default computed from the train split. */
  mean?: number[];
  std?: number[];
  /** Held-out fraction when `test` is missing (default 0.2). */
  testFraction?: number;
  /** Seed of that hold-out split (default a fixed dataset seed). */
  seed?: number;
}

/** Copies the records `idx` of a split into a new split. */
export function takeRecords(split: ImageSplit, idx: ArrayLike<number>, pixelsPerImage: number): ImageSplit {
  const images = new Uint8Array(idx.length * pixelsPerImage);
  const labels = new Uint8Array(idx.length);
  for (let i = 0; i < idx.length; i++) {
    const j = idx[i];
    images.set(split.images.subarray(j * pixelsPerImage, (j + 1) * pixelsPerImage), i * pixelsPerImage);
    labels[i] = split.labels[j];
  }
  return { count: idx.length, images, labels };
}

/**
 * Stratified hold-out: per class, a shuffled `fraction` (at least one image when the class has two
 * or more) goes to test. Returns the train and test record indices.
 */
export function stratifiedSplit(
  labels: Uint8Array,
  fraction: number,
  seed: number,
): { train: number[]; test: number[] } {
  const rng = new Rng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]) ?? [];
    list.push(i);
    byClass.set(labels[i], list);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(cls) ?? [];
    const perm = rng.permutation(list.length);
    const nTest = list.length < 2 ? 0 : Math.max(1, Math.round(list.length * fraction));
    for (let i = 0; i < list.length; i++) (i < nTest ? test : train).push(list[perm[i]]);
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train, test };
}

/** The fixed seed of hold-out splits (so the data never depend on the run seed). */
export const SPLIT_SEED = 0x1d5eed;

/**
 * Builds an {@link ImageDataset} from IDX pairs (train and optionally test), validating shapes,
 * counts, matching geometry and label range.
 */
export function idxToDataset(opts: IdxDatasetOptions): ImageDataset {
  const trainFull = idxPairToSplit(opts.train);
  let train: ImageSplit = trainFull;
  let test: ImageSplit;
  if (opts.test) {
    const t = idxPairToSplit(opts.test);
    if (t.height !== trainFull.height || t.width !== trainFull.width || t.channels !== trainFull.channels) {
      throw new DataError(
        opts.test.imagesFile,
        `image size ${t.height}×${t.width}×${t.channels} differs from ${opts.train.imagesFile} (${trainFull.height}×${trainFull.width}×${trainFull.channels})`,
      );
    }
    test = t;
  } else {
    const per = trainFull.height * trainFull.width * trainFull.channels;
    const split = stratifiedSplit(trainFull.labels, opts.testFraction ?? 0.2, opts.seed ?? SPLIT_SEED);
    train = takeRecords(trainFull, split.train, per);
    test = takeRecords(trainFull, split.test, per);
  }
  let classes: string[];
  if (opts.classes) {
    classes = opts.classes;
    const maxOf = (l: Uint8Array): number => l.reduce((m, v) => (v > m ? v : m), 0);
    for (const [max, file] of [
      [maxOf(trainFull.labels), opts.train.labelsFile],
      [maxOf(test.labels), opts.test?.labelsFile ?? opts.train.labelsFile],
    ] as const) {
      if (max >= classes.length)
        throw new DataError(file, `label ${max} is out of range for ${classes.length} classes`);
    }
  } else {
    // Labels 0..K−1, every class present, 2 ≤ K ≤ LIMITS.classes (a stray label 255 is not 256 classes).
    const file = opts.test ? `${opts.train.labelsFile} + ${opts.test.labelsFile}` : opts.train.labelsFile;
    const k = checkLabels(trainFull.labels, opts.test ? test.labels : null, file);
    classes = Array.from({ length: k }, (_, i) => String(i));
  }
  const stats =
    opts.mean && opts.std
      ? { mean: opts.mean, std: opts.std }
      : channelStats(train.images, trainFull.channels);
  return {
    name: opts.name,
    classes,
    height: trainFull.height,
    width: trainFull.width,
    channels: trainFull.channels,
    train: { count: train.count, images: train.images, labels: train.labels },
    test: { count: test.count, images: test.images, labels: test.labels },
    mean: stats.mean,
    std: stats.std,
    flip: opts.flip ?? false,
  };
}
