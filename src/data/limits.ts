/**
 * Budgets for user data, checked BEFORE anything is allocated, so a hostile or broken file (a gzip
 * or zip bomb, a PNG that claims 8192×8192 pixels, a label file with one stray label) is refused with
 * a message that names the file and the limit instead of exhausting memory:
 *
 * - one input file as read: at most `fileBytes`;
 * - what one gzip stream, zip archive or PNG inflates to: at most `decompressedBytes`;
 * - one image: at most `imageSide` pixels a side and `imagePixels` pixels (read from its header);
 * - a folder or zip: at most `imageFiles` images;
 * - the dataset's pixels (train + test, uint8): at most `datasetBytes`, and at most an eighth of the
 *   machine's memory when that is known (it is held as bytes, then as float32 on the backend);
 * - labels: 0..K−1 with every class present in the training split, 2 ≤ K ≤ `classes`.
 *
 * Pure TypeScript: the worker, Node and the tests share it.
 */
import { DataError } from './types';

const MiB = 2 ** 20;

export const LIMITS = {
  fileBytes: 256 * MiB,
  decompressedBytes: 256 * MiB,
  imageSide: 8192,
  imagePixels: 2 ** 24,
  imageFiles: 100_000,
  datasetBytes: 512 * MiB,
  classes: 100,
} as const;

/** "256 MiB", "1.5 GiB", "96 KiB": binary units, as the limits are set. */
export function formatMiB(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  return n >= MiB ? `${Math.round(n / MiB)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/** Refuses a file larger than `LIMITS.fileBytes` before it is read. */
export function checkFileSize(file: string, bytes: number): void {
  if (bytes > LIMITS.fileBytes)
    throw new DataError(
      file,
      `is ${formatMiB(bytes)}; files of at most ${formatMiB(LIMITS.fileBytes)} are read (split the dataset, or use the compressed archive)`,
    );
}

/** The message of a stream that inflates past the budget. */
export function inflatedTooLarge(max: number = LIMITS.decompressedBytes): string {
  return `decompresses to more than ${formatMiB(max)}, the limit for one file: not a dataset this playground can hold (or a decompression bomb)`;
}

/** Refuses an image whose header claims more than the image budget (before it is decoded). */
export function checkImageSize(file: string, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new DataError(file, `image size ${width}×${height} is not a valid size`);
  if (width > LIMITS.imageSide || height > LIMITS.imageSide || width * height > LIMITS.imagePixels)
    throw new DataError(
      file,
      `image of ${width}×${height} pixels is over the limit of ${LIMITS.imageSide} pixels a side and ${(LIMITS.imagePixels / 1e6).toFixed(1)} megapixels; resize it first (it is shrunk to at most 64 px anyway)`,
    );
}

/**
 * The budget for a dataset's pixels: `LIMITS.datasetBytes`, or an eighth of `availableBytes` (the
 * machine's memory, when the platform tells) if that is smaller.
 */
export function datasetBudget(availableBytes?: number): number {
  const share = availableBytes && availableBytes > 0 ? Math.floor(availableBytes / 8) : Infinity;
  return Math.min(LIMITS.datasetBytes, share);
}

/** Refuses a dataset of `bytes` pixel bytes over `budget` (checked before the pixels are allocated). */
export function checkDatasetBytes(file: string, bytes: number, budget = datasetBudget()): void {
  if (bytes > budget)
    throw new DataError(
      file,
      `the dataset's images take ${formatMiB(bytes)}; at most ${formatMiB(budget)} fit in this browser's or machine's memory (use fewer or smaller images)`,
    );
}

/**
 * The class count K of label vectors that must hold 0..K−1: K = largest label + 1, 2 ≤ K ≤
 * `LIMITS.classes`, and every class present in `train`. @throws DataError naming `file`
 */
export function checkLabels(train: Uint8Array, test: Uint8Array | null, file: string): number {
  let max = 0;
  for (const l of [train, test ?? new Uint8Array(0)])
    for (let i = 0; i < l.length; i++) if (l[i] > max) max = l[i];
  const k = max + 1;
  if (k > LIMITS.classes)
    throw new DataError(
      file,
      `label ${max}: labels must be 0..K−1 with at most ${LIMITS.classes} classes (K ≤ ${LIMITS.classes})`,
    );
  const present = new Uint8Array(k);
  for (let i = 0; i < train.length; i++) present[train[i]] = 1;
  const missing: number[] = [];
  for (let c = 0; c < k; c++) if (!present[c]) missing.push(c);
  if (train.length === 0) throw new DataError(file, 'has no training images');
  if (k - missing.length < 2)
    throw new DataError(
      file,
      `every training image has label ${train[0]}: a classifier needs at least 2 classes (labels 0..K−1)`,
    );
  if (missing.length > 0) {
    const list =
      missing.length > 3
        ? `classes ${missing.slice(0, 2).join(', ')}, …, ${missing[missing.length - 1]} (${missing.length} of them) have`
        : `class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'have' : 'has'}`;
    throw new DataError(
      file,
      `labels must be 0..K−1 with every class present: label ${max} makes K = ${k}, but ${list} no training image`,
    );
  }
  return k;
}
