/**
 * The compact shard format `npm run data` writes to `public/data/<name>/` and the app fetches:
 * `manifest.json` plus raw uint8 files per split (`train-images.bin`, `train-labels.bin`, and
 * `train-masks.bin` when the dataset has object masks). Each file carries its byte length and a
 * 32-bit FNV-1a checksum (8 hex digits) so a truncated or stale download is caught at load.
 * Pure TypeScript.
 */

import { DataError, type ImageDataset, type ImageSplit } from './types';

/** One split in the manifest. */
export interface ShardSplit {
  count: number;
  images: string;
  labels: string;
  /** Optional object-mask file (uint8 0/255, count × height × width). */
  masks?: string;
  /** Byte length per file name. */
  bytes: Record<string, number>;
  /** FNV-1a 32-bit checksum (hex) per file name. */
  checksum: Record<string, string>;
}

/** `manifest.json` of a shard directory. */
export interface ShardManifest {
  format: 'samix-shards';
  version: 1;
  name: string;
  classes: string[];
  height: number;
  width: number;
  channels: 1 | 3;
  mean: number[];
  std: number[];
  flip: boolean;
  splits: { train: ShardSplit; test: ShardSplit };
}

/** A named file of a shard directory. */
export interface ShardFile {
  name: string;
  data: Uint8Array;
}

/** 32-bit FNV-1a of `bytes`, as 8 lower-case hex digits. */
export function fnv1a32(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function encodeSplit(prefix: 'train' | 'test', split: ImageSplit, files: ShardFile[]): ShardSplit {
  const entry: ShardSplit = {
    count: split.count,
    images: `${prefix}-images.bin`,
    labels: `${prefix}-labels.bin`,
    bytes: {},
    checksum: {},
  };
  const add = (name: string, data: Uint8Array): void => {
    files.push({ name, data });
    entry.bytes[name] = data.length;
    entry.checksum[name] = fnv1a32(data);
  };
  add(entry.images, split.images);
  add(entry.labels, split.labels);
  if (split.objectMasks) {
    entry.masks = `${prefix}-masks.bin`;
    add(entry.masks, split.objectMasks);
  }
  return entry;
}

/** Encodes a dataset as a manifest plus its raw files (views of the dataset's arrays). */
export function encodeShards(ds: ImageDataset): { manifest: ShardManifest; files: ShardFile[] } {
  const files: ShardFile[] = [];
  const manifest: ShardManifest = {
    format: 'samix-shards',
    version: 1,
    name: ds.name,
    classes: [...ds.classes],
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    mean: [...ds.mean],
    std: [...ds.std],
    flip: ds.flip,
    splits: { train: encodeSplit('train', ds.train, files), test: encodeSplit('test', ds.test, files) },
  };
  return { manifest, files };
}

const MANIFEST = 'manifest.json';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates the JSON structure of a manifest; throws a {@link DataError} on `manifest.json`. */
export function checkManifest(raw: unknown, file = MANIFEST): ShardManifest {
  const bad = (problem: string): never => {
    throw new DataError(file, problem);
  };
  if (!isRecord(raw)) return bad('is not a JSON object');
  if (raw.format !== 'samix-shards') bad(`format is ${JSON.stringify(raw.format)}, expected "samix-shards"`);
  if (raw.version !== 1)
    bad(`version ${JSON.stringify(raw.version)} is not supported (expected 1); re-run \`npm run data\``);
  for (const k of ['height', 'width'] as const) {
    const v = raw[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(`${k} must be a positive integer`);
  }
  if (raw.channels !== 1 && raw.channels !== 3)
    bad(`channels must be 1 or 3, found ${JSON.stringify(raw.channels)}`);
  if (
    !Array.isArray(raw.classes) ||
    raw.classes.length < 2 ||
    !raw.classes.every((c) => typeof c === 'string')
  )
    bad('classes must list at least 2 names');
  const ch = raw.channels as number;
  for (const k of ['mean', 'std'] as const) {
    const v = raw[k];
    if (!Array.isArray(v) || v.length !== ch || !v.every((x) => typeof x === 'number'))
      bad(`${k} must list ${ch} numbers`);
  }
  if (!isRecord(raw.splits)) return bad('splits is missing');
  for (const s of ['train', 'test'] as const) {
    const sp = raw.splits[s];
    if (!isRecord(sp)) return bad(`splits.${s} is missing`);
    if (typeof sp.count !== 'number' || !Number.isInteger(sp.count) || sp.count < 0)
      bad(`splits.${s}.count must be a non-negative integer`);
    if (typeof sp.images !== 'string' || typeof sp.labels !== 'string')
      bad(`splits.${s} must name its images and labels files`);
    if (!isRecord(sp.bytes) || !isRecord(sp.checksum))
      bad(`splits.${s} must give bytes and checksum per file`);
  }
  return raw as unknown as ShardManifest;
}

/**
 * Decodes a shard directory: validates the manifest, then every file's presence, byte length
 * (against both the manifest and the geometry) and checksum. A mismatch throws a
 * {@link DataError} naming the file with both numbers.
 */
export function decodeShards(
  manifestRaw: unknown,
  files: ShardFile[] | Record<string, Uint8Array>,
): ImageDataset {
  const manifest = checkManifest(manifestRaw);
  const byName = Array.isArray(files)
    ? new Map(files.map((f) => [f.name, f.data]))
    : new Map(Object.entries(files));
  const pixels = manifest.height * manifest.width;

  const load = (split: ShardSplit, name: string, expected: number): Uint8Array => {
    const data = byName.get(name);
    if (!data) throw new DataError(name, `missing: ${MANIFEST} lists it but it was not found`);
    const listed = split.bytes[name];
    if (listed !== expected) {
      throw new DataError(
        MANIFEST,
        `lists ${listed} bytes for ${name} but ${split.count} records need ${expected.toLocaleString('en-US')}`,
      );
    }
    if (data.length !== expected) {
      throw new DataError(
        name,
        `size mismatch: ${data.length.toLocaleString('en-US')} bytes, manifest expects ${expected.toLocaleString('en-US')} — re-run \`npm run data\``,
      );
    }
    const sum = fnv1a32(data);
    if (sum !== split.checksum[name]) {
      throw new DataError(
        name,
        `checksum mismatch: file has ${sum}, manifest expects ${split.checksum[name]} — re-run \`npm run data\``,
      );
    }
    return data;
  };

  const decodeSplit = (split: ShardSplit): ImageSplit => {
    const out: ImageSplit = {
      count: split.count,
      images: load(split, split.images, split.count * pixels * manifest.channels),
      labels: load(split, split.labels, split.count),
    };
    for (let i = 0; i < out.labels.length; i++) {
      if (out.labels[i] >= manifest.classes.length) {
        throw new DataError(
          split.labels,
          `record ${i} has label ${out.labels[i]}, but ${MANIFEST} lists ${manifest.classes.length} classes`,
        );
      }
    }
    if (split.masks) out.objectMasks = load(split, split.masks, split.count * pixels);
    return out;
  };

  return {
    name: manifest.name,
    classes: [...manifest.classes],
    height: manifest.height,
    width: manifest.width,
    channels: manifest.channels,
    train: decodeSplit(manifest.splits.train),
    test: decodeSplit(manifest.splits.test),
    mean: [...manifest.mean],
    std: [...manifest.std],
    flip: !!manifest.flip,
  };
}
