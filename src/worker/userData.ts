/**
 * Turns what the user hands the page — CIFAR-10 binary files or their archive (chosen or fetched
 * from a URL), a folder with one sub-folder per class, a zip of such a folder, or MNIST-format IDX
 * files — into an ImageDataset inside the worker, reporting progress as bytes are read. Parsing and
 * validation are the `src/data` loaders'; this file only reads, decodes images and routes. Every
 * size is checked before it is allocated (src/data/limits.ts): a file over the file budget is not
 * read, a download stops at it, an image whose header is over the image budget is not decoded, and
 * images are decoded and shrunk one at a time.
 */
import { cifarFromFiles } from '../data/cifar';
import { datasetFromImages, decodeImages, listZipImages, type ImageDecoder } from '../data/folder';
import { maybeGunzip } from '../data/gzip';
import { idxToDataset, type IdxPair } from '../data/idx';
import { readImageSize } from '../data/imageHeader';
import {
  checkDatasetBytes,
  checkFileSize,
  checkImageSize,
  datasetBudget,
  formatMiB,
  LIMITS,
} from '../data/limits';
import { DataError, type ImageDataset } from '../data/types';

/** Names a user dataset is stored and selected under (`#dataset=folder`). */
export type UserDatasetName = 'cifar10' | 'folder' | 'idx';

export type UserDataSource =
  | { kind: 'cifar10'; files: File[] }
  | { kind: 'url'; url: string }
  | { kind: 'images'; files: Array<{ path: string; file: Blob }> }
  | { kind: 'zip'; file: File }
  | { kind: 'idx'; files: File[] };

export interface ImportOptions {
  /** Side images are centre-cropped and resized to (folders and zips). */
  size: number;
  channels: 1 | 3;
}

export type Progress = (phase: string, loaded: number, total: number) => void;

/** The machine's memory as the browser reports it (Chromium: `navigator.deviceMemory`, GiB), or undefined. */
export function deviceMemoryBytes(): number | undefined {
  const gib = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory;
  return typeof gib === 'number' && gib > 0 ? gib * 2 ** 30 : undefined;
}

/** Reads a blob fully, reporting bytes as they arrive; a blob over the file budget is not read. */
export async function readWithProgress(blob: Blob, name: string, progress: Progress): Promise<Uint8Array> {
  checkFileSize(name, blob.size);
  const out = new Uint8Array(blob.size);
  const reader = blob.stream().getReader();
  let at = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, at);
    at += value.byteLength;
    progress(`reading ${name}`, at, blob.size);
  }
  return out;
}

/** Downloads a URL with a progress bar; network and CORS failures get a message that says what to do. */
export async function fetchWithProgress(url: string, progress: Progress): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataError(
      url,
      `the download failed before any data arrived (${e instanceof Error ? e.message : String(e)}): the server is unreachable or does not allow cross-origin requests (CORS); download the file yourself and choose it with the file picker`,
    );
  }
  if (!res.ok) throw new DataError(url, `the server answered HTTP ${res.status} ${res.statusText}`.trim());
  const total = Number(res.headers.get('content-length') ?? 0);
  if (Number.isFinite(total) && total > 0) checkFileSize(url, total);
  if (!res.body) {
    const all = new Uint8Array(await res.arrayBuffer());
    checkFileSize(url, all.length);
    return all;
  }
  const chunks: Uint8Array[] = [];
  let at = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    at += value.byteLength;
    if (at > LIMITS.fileBytes) {
      await reader.cancel().catch(() => undefined);
      throw new DataError(
        url,
        `the download passed ${formatMiB(LIMITS.fileBytes)}, the limit for one file; stopped`,
      );
    }
    chunks.push(value);
    progress('downloading', at, total || at);
  }
  const out = new Uint8Array(at);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

const IDX_ROLE = /(train|t10k|test).*?(images|labels)/i;

/** Pairs IDX files by their conventional names (train-/t10k- images/labels, optionally .gz). */
export function pairIdxNames(names: string[]): {
  trainImages: string;
  trainLabels: string;
  testImages?: string;
  testLabels?: string;
} {
  const found: Record<string, string> = {};
  for (const n of [...names].sort()) {
    const m = IDX_ROLE.exec(n.split('/').pop() ?? n);
    if (!m) continue;
    found[`${m[1].toLowerCase() === 'train' ? 'train' : 'test'}-${m[2].toLowerCase()}`] ??= n;
  }
  if (!found['train-images'] || !found['train-labels']) {
    throw new DataError(
      names.join(', ') || 'the chosen files',
      'no IDX pair found: choose train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (and t10k-… for a test split)',
    );
  }
  return {
    trainImages: found['train-images'],
    trainLabels: found['train-labels'],
    testImages: found['test-images'] && found['test-labels'] ? found['test-images'] : undefined,
    testLabels: found['test-images'] && found['test-labels'] ? found['test-labels'] : undefined,
  };
}

async function fromIdx(files: File[], progress: Progress): Promise<ImageDataset & { name: 'idx' }> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const p = pairIdxNames(files.map((f) => f.name));
  const read = async (name: string) =>
    maybeGunzip(await readWithProgress(byName.get(name)!, name, progress), name);
  const pair = async (images: string, labels: string): Promise<IdxPair> => ({
    images: await read(images),
    imagesFile: images,
    labels: await read(labels),
    labelsFile: labels,
  });
  const train = await pair(p.trainImages, p.trainLabels);
  const test = p.testImages && p.testLabels ? await pair(p.testImages, p.testLabels) : undefined;
  const bytes = train.images.length + (test?.images.length ?? 0);
  checkDatasetBytes(p.trainImages, bytes, datasetBudget(deviceMemoryBytes()));
  return { ...idxToDataset({ name: 'idx', train, test }), name: 'idx' };
}

/** Imports one user source; the result's `name` is the dataset name it is selected by. */
export async function importUserData(
  source: UserDataSource,
  opts: ImportOptions,
  progress: Progress,
  decode: ImageDecoder,
): Promise<ImageDataset & { name: UserDatasetName }> {
  switch (source.kind) {
    case 'cifar10': {
      const files = [];
      for (const f of source.files) checkFileSize(f.name, f.size);
      for (const f of source.files)
        files.push({ name: f.name, data: await readWithProgress(f, f.name, progress) });
      progress('parsing CIFAR-10', 0, 1);
      return checked(await cifarFromFiles(files), 'cifar10');
    }
    case 'url': {
      const data = await fetchWithProgress(source.url, progress);
      const file = decodeURIComponent(new URL(source.url).pathname.split('/').pop() || 'download.tar.gz');
      progress('parsing CIFAR-10', 0, 1);
      return checked(await cifarFromFiles([{ name: file, data }]), 'cifar10');
    }
    case 'images': {
      // Read, decode and shrink one image at a time: the folder is never held whole.
      const files = source.files.map((f) => ({
        path: f.path,
        read: async () => {
          checkFileSize(f.path, f.file.size);
          return new Uint8Array(await f.file.arrayBuffer());
        },
      }));
      const fit = { size: opts.size, channels: opts.channels };
      const entries = await decodeImages(files, decode, fit, (d, n) => progress('decoding images', d, n));
      const name = source.files[0]?.path.split('/')[0] ?? 'folder';
      const availableBytes = deviceMemoryBytes();
      return { ...datasetFromImages(entries, { ...fit, name, availableBytes }), name: 'folder' };
    }
    case 'zip': {
      const bytes = await readWithProgress(source.file, source.file.name, progress);
      const listing = listZipImages(bytes, source.file.name);
      progress('decoding images', 0, listing.images.length);
      const fit = { size: opts.size, channels: opts.channels };
      const entries = await decodeImages(
        [...listing.folders.map((path) => ({ path })), ...listing.images],
        decode,
        fit,
        (d, n) => progress('decoding images', d, n),
      );
      const availableBytes = deviceMemoryBytes();
      return {
        ...datasetFromImages(entries, { ...fit, name: source.file.name, availableBytes }),
        name: 'folder',
      };
    }
    case 'idx':
      return fromIdx(source.files, progress);
  }
}

/** A CIFAR-10 import whose pixels fit this machine's dataset budget. */
function checked(ds: ImageDataset, name: 'cifar10'): ImageDataset & { name: 'cifar10' } {
  checkDatasetBytes(name, ds.train.images.length + ds.test.images.length, datasetBudget(deviceMemoryBytes()));
  return { ...ds, name };
}

/**
 * Browser image decoding in the worker: the size in the file's header is checked against the image
 * budget first (a DataError naming the file stops the import), then createImageBitmap +
 * OffscreenCanvas. A header this reader does not know makes the image "undecodable".
 */
export const decodeInWorker: ImageDecoder = async (bytes, path) => {
  const size = readImageSize(bytes);
  if (!size) throw new Error('unknown image format');
  checkImageSize(path, size.width, size.height);
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]));
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D context in this worker');
    ctx.drawImage(bitmap, 0, 0);
    const img = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { rgba: img.data, width: img.width, height: img.height };
  } finally {
    bitmap.close();
  }
};
