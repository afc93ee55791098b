/**
 * CIFAR-10 in its binary distribution (`cifar-10-binary.tar.gz` → `cifar-10-batches-bin/`):
 * `data_batch_1..5.bin` and `test_batch.bin`, each 10,000 records of 3,073 bytes — one label byte,
 * then 1,024 R, 1,024 G and 1,024 B bytes (row-major planes). Planar CHW is interleaved to HWC
 * once, at load. Pure TypeScript (no TF.js, no DOM).
 */

import { maybeGunzip } from './gzip';
import { readTar } from './tar';
import { DataError, type ImageDataset, type ImageSplit } from './types';

/** CIFAR-10 class names, indexed by label. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Per-channel mean and std of the CIFAR-10 training set on the [0, 1] scale. */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR10_STD = [0.247, 0.2435, 0.2616];

const SIDE = 32;
const PLANE = SIDE * SIDE;
/** Bytes per CIFAR-10 record: 1 label + 3 × 1,024 pixels. */
export const CIFAR_RECORD_BYTES = 1 + 3 * PLANE;

/**
 * Parses one CIFAR-10 binary batch into HWC uint8 pixels. Throws a {@link DataError} naming `file`
 * if its size is not a multiple of 3,073 bytes or a label exceeds 9.
 */
export function parseCifarBatch(bytes: Uint8Array, file: string): ImageSplit {
  if (bytes.length === 0 || bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new DataError(
      file,
      `size ${bytes.length.toLocaleString('en-US')} bytes is not a multiple of 3,073 bytes (1 label + 3,072 pixels per CIFAR-10 record) — is this a CIFAR-10 binary batch?`,
    );
  }
  const count = bytes.length / CIFAR_RECORD_BYTES;
  const images = new Uint8Array(count * PLANE * 3);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * CIFAR_RECORD_BYTES;
    const label = bytes[o];
    if (label > 9) throw new DataError(file, `record ${i} has label ${label}; CIFAR-10 labels are 0–9`);
    labels[i] = label;
    const out = i * PLANE * 3;
    for (let p = 0; p < PLANE; p++) {
      images[out + 3 * p] = bytes[o + 1 + p];
      images[out + 3 * p + 1] = bytes[o + 1 + PLANE + p];
      images[out + 3 * p + 2] = bytes[o + 1 + 2 * PLANE + p];
    }
  }
  return { count, images, labels };
}

/** Concatenates splits in order. */
export function concatSplits(splits: ImageSplit[]): ImageSplit {
  const count = splits.reduce((n, s) => n + s.count, 0);
  const images = new Uint8Array(splits.reduce((n, s) => n + s.images.length, 0));
  const labels = new Uint8Array(count);
  let io = 0;
  let lo = 0;
  for (const s of splits) {
    images.set(s.images, io);
    labels.set(s.labels, lo);
    io += s.images.length;
    lo += s.count;
  }
  return { count, images, labels };
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

const ARCHIVE = /\.(tar\.gz|tgz|tar)$/i;
const DATA_BATCH = /^data_batch_(\d+)\.bin$/i;
const TEST_BATCH = /^test_batch\.bin$/i;

/**
 * Builds CIFAR-10 from user files: any of `data_batch_1..5.bin` plus `test_batch.bin`, or the
 * `cifar-10-binary.tar.gz` (or `.tar`) archive holding them. Other files (e.g.
 * `batches.meta.txt`) are ignored. Missing training batches or a missing `test_batch.bin` throw a
 * {@link DataError} that says what to provide.
 */
export async function cifarFromFiles(files: { name: string; data: Uint8Array }[]): Promise<ImageDataset> {
  const batches = new Map<string, { name: string; data: Uint8Array }>();
  for (const f of files) {
    const base = baseName(f.name);
    if (ARCHIVE.test(base)) {
      const tar = await maybeGunzip(f.data, f.name);
      for (const e of readTar(tar, f.name)) {
        const b = baseName(e.name);
        if (DATA_BATCH.test(b) || TEST_BATCH.test(b))
          batches.set(b.toLowerCase(), { name: `${f.name}:${e.name}`, data: e.data });
      }
    } else if (DATA_BATCH.test(base) || TEST_BATCH.test(base)) {
      batches.set(base.toLowerCase(), { name: f.name, data: await maybeGunzip(f.data, f.name) });
    }
  }
  const names = files.map((f) => f.name).join(', ') || '(no files)';
  const trainKeys = [...batches.keys()]
    .filter((k) => DATA_BATCH.test(k))
    .sort((a, b) => Number(DATA_BATCH.exec(a)?.[1]) - Number(DATA_BATCH.exec(b)?.[1]));
  if (trainKeys.length === 0) {
    throw new DataError(
      names,
      'no CIFAR-10 training batch found: provide data_batch_1.bin … data_batch_5.bin (from cifar-10-binary.tar.gz) or the archive itself',
    );
  }
  const test = batches.get('test_batch.bin');
  if (!test) {
    throw new DataError(
      'test_batch.bin',
      `missing: CIFAR-10 needs test_batch.bin next to the data_batch_N.bin files (or the whole cifar-10-binary.tar.gz); got ${names}`,
    );
  }
  const train = concatSplits(
    trainKeys.map((k) => {
      const b = batches.get(k);
      if (!b) throw new DataError(k, 'missing');
      return parseCifarBatch(b.data, b.name);
    }),
  );
  return {
    name: 'cifar10',
    classes: [...CIFAR10_CLASSES],
    height: SIDE,
    width: SIDE,
    channels: 3,
    train,
    test: parseCifarBatch(test.data, test.name),
    mean: [...CIFAR10_MEAN],
    std: [...CIFAR10_STD],
    flip: true,
  };
}
