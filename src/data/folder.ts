/**
 * Datasets from the user's own images: a folder (or zip) with one sub-folder per class. The class
 * of an image is the first folder component under the root; a single common top folder (as a
 * browser folder pick or a zip usually has) is stripped first. Decoding is injected — the browser
 * worker uses `createImageBitmap` + `OffscreenCanvas`, Node uses `png.ts` — so this file only
 * groups, validates, resizes and splits. Pure TypeScript (fflate for zips).
 */

import { unzipSync } from 'fflate';
import { SPLIT_SEED, stratifiedSplit, takeRecords } from './idx';
import { centerCropResize } from './images';
import { checkDatasetBytes, datasetBudget, inflatedTooLarge, LIMITS } from './limits';
import { channelStats } from './stats';
import { DataError, type ImageDataset } from './types';

/** File extensions treated as images. */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp'];

/** Whether `path` names an image file by extension. */
export function isImagePath(path: string): boolean {
  const m = /\.([a-z0-9]+)$/i.exec(path);
  return !!m && IMAGE_EXTENSIONS.includes(m[1].toLowerCase());
}

/** Whether `path` is operating-system clutter (`__MACOSX/`, `.DS_Store`, dot-files) to ignore. */
export function isIgnoredPath(path: string): boolean {
  return path
    .split('/')
    .some(
      (part) =>
        part === '__MACOSX' ||
        (part.startsWith('.') && part !== '.' && part !== '..') ||
        part === 'Thumbs.db',
    );
}

function splitPath(path: string): string[] {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
}

/**
 * Splits relative paths into (class, rest) after stripping a top folder common to all of them,
 * when every path has at least three components (root/class/file).
 */
function classifyPaths(paths: string[]): { cls: string | null; parts: string[] }[] {
  const split = paths.map(splitPath);
  const files = split.filter((_, i) => !paths[i].endsWith('/'));
  const top = files[0]?.[0];
  const strip =
    files.length > 0 && files.every((p) => p.length >= 3 && p[0] === top) && split.every((p) => p[0] === top);
  return split.map((parts) => {
    const rest = strip ? parts.slice(1) : parts;
    return { cls: rest.length >= 1 ? rest[0] : null, parts: rest };
  });
}

/** Image count per class folder, for the preview. */
export interface ClassCounts {
  /** Classes in label order (natural sort of folder names) with their image counts. */
  classes: { name: string; count: number }[];
  /** Images that sit directly in the root instead of a class folder. */
  unassigned: string[];
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Counts images per class folder from relative paths (`cats/a.png`, or `root/cats/a.png`).
 * Paths ending with `/` are folders (counted with 0 images if empty); clutter is ignored.
 */
export function classCounts(paths: string[]): ClassCounts {
  const { classes, unassigned } = groupPaths(paths);
  return { classes, unassigned };
}

/** {@link classCounts} plus the class of every input path (null for folders, clutter, strays). */
function groupPaths(paths: string[]): ClassCounts & { classOf: (string | null)[] } {
  const keep = paths.map((p) => !isIgnoredPath(p) && (p.endsWith('/') || isImagePath(p)));
  const keptPaths = paths.filter((_, i) => keep[i]);
  const info = classifyPaths(keptPaths);
  const counts = new Map<string, number>();
  const unassigned: string[] = [];
  const classOf: (string | null)[] = paths.map(() => null);
  let k = 0;
  paths.forEach((path, i) => {
    if (!keep[i]) return;
    const { cls, parts } = info[k++];
    if (path.endsWith('/')) {
      if (parts.length === 1 && cls !== null && !counts.has(cls)) counts.set(cls, 0);
    } else if (parts.length < 2 || cls === null) unassigned.push(path);
    else {
      counts.set(cls, (counts.get(cls) ?? 0) + 1);
      classOf[i] = cls;
    }
  });
  const classes = [...counts.entries()]
    .sort((a, b) => collator.compare(a[0], b[0]))
    .map(([name, count]) => ({ name, count }));
  return { classes, unassigned, classOf };
}

/**
 * One user file: its relative path and decoded RGBA pixels (`null` if it could not be decoded), or
 * (decodeImages with `fit`) its pixels already centre-cropped and resized, HWC, the full-size RGBA
 * dropped at once so a folder of large photos never sits in memory decoded.
 */
export interface ImageEntry {
  path: string;
  pixels: { rgba: Uint8Array | Uint8ClampedArray; width: number; height: number } | null;
  fitted?: Uint8Array;
}

export interface FolderDatasetOptions {
  /** Output side in pixels. */
  size: number;
  channels: 1 | 3;
  /** Held-out test fraction per class (default 0.2). */
  testFraction?: number;
  /** Seed of the split (default a fixed dataset seed, so it never depends on the run seed). */
  seed?: number;
  /** Dataset name shown in the UI (the dataset is called `folder:<name>`). */
  name: string;
  /** Whether horizontal flips are valid (default true). */
  flip?: boolean;
  /** Bytes of memory on this machine, when the platform tells (limits the dataset's size). */
  availableBytes?: number;
}

/**
 * Builds a dataset from decoded user images (one sub-folder per class). Throws a
 * {@link DataError} naming the file or folder for: no images at all, an image outside any class
 * folder, an undecodable image, an empty class folder, or fewer than two classes.
 */
export function datasetFromImages(entries: ImageEntry[], opts: FolderDatasetOptions): ImageDataset {
  const kept = entries.filter((e) => !isIgnoredPath(e.path) && (e.path.endsWith('/') || isImagePath(e.path)));
  const root = opts.name || 'the folder';
  if (!kept.some((e) => !e.path.endsWith('/'))) {
    throw new DataError(
      root,
      `no images found (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')} files inside one sub-folder per class)`,
    );
  }
  const counts = groupPaths(kept.map((e) => e.path));
  if (counts.unassigned.length > 0) {
    throw new DataError(
      counts.unassigned[0],
      'is not inside a class folder: put each image in a sub-folder named after its class (e.g. cats/img1.png)',
    );
  }
  const empty = counts.classes.find((c) => c.count === 0);
  if (empty)
    throw new DataError(`${empty.name}/`, 'class folder has no images; add images or remove the folder');
  if (counts.classes.length < 2) {
    throw new DataError(
      counts.classes[0] ? `${counts.classes[0].name}/` : root,
      `only ${counts.classes.length} class found; a classifier needs at least 2 class folders (one sub-folder per class)`,
    );
  }
  if (counts.classes.length > LIMITS.classes)
    throw new DataError(
      root,
      `${counts.classes.length} class folders found; at most ${LIMITS.classes} classes are supported`,
    );
  const classIndex = new Map(counts.classes.map((c, i) => [c.name, i]));
  const files = kept.map((e, i) => ({ e, cls: counts.classOf[i] })).filter((f) => f.cls !== null);
  const bad = files.filter((f) => !f.e.pixels && !f.e.fitted);
  if (bad.length > 0) {
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more image(s) that could not be decoded)` : '';
    throw new DataError(
      bad[0].e.path,
      `could not be decoded as an image (corrupt or unsupported format)${more}`,
    );
  }
  const per = opts.size * opts.size * opts.channels;
  // The images are held twice (all, then train + test): the budget counts both.
  checkDatasetBytes(root, 2 * files.length * per, datasetBudget(opts.availableBytes));
  const images = new Uint8Array(files.length * per);
  const labels = new Uint8Array(files.length);
  files.forEach(({ e, cls }, i) => {
    if (e.fitted && e.fitted.length !== per)
      throw new DataError(e.path, `decoded to ${e.fitted.length} values, expected ${per}`);
    if (e.fitted) images.set(e.fitted, i * per);
    else {
      const { rgba, width, height } = e.pixels as NonNullable<ImageEntry['pixels']>;
      images.set(centerCropResize(rgba, width, height, opts.size, opts.channels), i * per);
    }
    labels[i] = classIndex.get(cls ?? '') ?? 0;
  });
  const all = { count: files.length, images, labels };
  const split = stratifiedSplit(labels, opts.testFraction ?? 0.2, opts.seed ?? SPLIT_SEED);
  const train = takeRecords(all, split.train, per);
  const test = takeRecords(all, split.test, per);
  if (test.count === 0)
    throw new DataError(
      root,
      'every class has a single image; add at least 2 images per class so some can be held out for testing',
    );
  const { mean, std } = channelStats(train.images, opts.channels);
  return {
    name: `folder:${opts.name}`,
    classes: counts.classes.map((c) => c.name),
    height: opts.size,
    width: opts.size,
    channels: opts.channels,
    train,
    test,
    mean,
    std,
    flip: opts.flip ?? true,
  };
}

/** Decodes raw image bytes to RGBA, or returns null if it cannot (injected per platform). */
export type ImageDecoder = (bytes: Uint8Array, path: string) => Promise<ImageEntry['pixels']>;

/**
 * Turns raw files into {@link ImageEntry}s with an injected decoder (browser worker:
 * `createImageBitmap` + `OffscreenCanvas`; Node: `decodePng`). A decoder that throws counts as
 * "undecodable" (`pixels: null`), which {@link datasetFromImages} then reports by name — except a
 * DataError (an image over the size budget), which stops the import with its message. With `fit`,
 * each image is centre-cropped and resized as soon as it is decoded (`fitted`), so only one
 * full-size image is in memory at a time. Folder paths (ending with `/`) pass through undecoded.
 * `files` may yield its bytes lazily (`read`), so they are not all held at once either.
 */
export async function decodeImages(
  files: Array<{ path: string; data?: Uint8Array; read?: () => Promise<Uint8Array> }>,
  decode: ImageDecoder,
  fit?: { size: number; channels: 1 | 3 },
  progress?: (done: number, total: number) => void,
): Promise<ImageEntry[]> {
  const out: ImageEntry[] = [];
  const images = files.filter((f) => !f.path.endsWith('/') && isImagePath(f.path) && !isIgnoredPath(f.path));
  if (images.length > LIMITS.imageFiles)
    throw new DataError(
      images[0].path.split('/')[0] || 'the folder',
      `${images.length.toLocaleString('en-US')} images; at most ${LIMITS.imageFiles.toLocaleString('en-US')} are read`,
    );
  let done = 0;
  for (const f of files) {
    const data =
      f.data ?? (f.read && isImagePath(f.path) && !isIgnoredPath(f.path) ? await f.read() : undefined);
    if (f.path.endsWith('/') || !data || !isImagePath(f.path) || isIgnoredPath(f.path)) {
      out.push({ path: f.path, pixels: null });
      continue;
    }
    let pixels: ImageEntry['pixels'] = null;
    try {
      pixels = await decode(data, f.path);
    } catch (e) {
      if (e instanceof DataError) throw e;
      pixels = null;
    }
    if (fit && pixels) {
      const fitted = centerCropResize(pixels.rgba, pixels.width, pixels.height, fit.size, fit.channels);
      out.push({ path: f.path, pixels: null, fitted });
    } else out.push({ path: f.path, pixels });
    progress?.(++done, images.length);
  }
  return out;
}

/** Image files and folders of a zip archive. */
export interface ZipListing {
  /** Image files (by extension) with their compressed bytes decompressed; clutter skipped. */
  images: { path: string; data: Uint8Array }[];
  /** Folder entries (paths ending with `/`), so empty class folders can be reported. */
  folders: string[];
}

/**
 * Lists the images of a zip (fflate `unzipSync`). A corrupt zip or one without any image throws a
 * {@link DataError} naming `file`, and so does one whose images would inflate past
 * `LIMITS.decompressedBytes` or that holds more than `LIMITS.imageFiles` of them (checked from the
 * sizes the archive declares, before anything is inflated; an entry is never inflated past its
 * declared size).
 */
export function listZipImages(zipBytes: Uint8Array, file = 'archive.zip'): ZipListing {
  let entries: Record<string, Uint8Array>;
  let declared = 0;
  let count = 0;
  const budget = (f: { name: string; originalSize: number }): boolean => {
    const keep = !isIgnoredPath(f.name) && (f.name.endsWith('/') || isImagePath(f.name));
    if (!keep) return false;
    declared += f.originalSize;
    if (declared > LIMITS.decompressedBytes) throw new DataError(file, inflatedTooLarge());
    if (++count > LIMITS.imageFiles)
      throw new DataError(file, `holds more than ${LIMITS.imageFiles.toLocaleString('en-US')} images`);
    return true;
  };
  try {
    entries = unzipSync(zipBytes, { filter: budget });
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(
      file,
      `not a readable zip archive (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const images: ZipListing['images'] = [];
  const folders: string[] = [];
  for (const [path, data] of Object.entries(entries)) {
    if (path.endsWith('/')) folders.push(path);
    else images.push({ path, data });
  }
  if (images.length === 0) {
    throw new DataError(
      file,
      `contains no images (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')}); put one sub-folder per class of images in the zip`,
    );
  }
  images.sort((a, b) => collator.compare(a.path, b.path));
  return { images, folders };
}
