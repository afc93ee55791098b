/**
 * In-memory dataset format shared by every loader (shapes, MNIST, Fashion-MNIST, CIFAR-10, IDX, the
 * user's folder or zip), in the browser worker and in Node. Pixels are uint8, row-major HWC.
 * Pure TypeScript: no TF.js here; the trainer uploads these arrays to the backend once.
 */

export interface ImageSplit {
  /** Number of images. */
  count: number;
  /** uint8 pixels, `count × height × width × channels`, HWC order. */
  images: Uint8Array;
  /** Class index per image, `count` entries in [0, classes.length). */
  labels: Uint8Array;
  /**
   * Optional ground-truth object mask per image (uint8 0/255, `count × height × width`), used by the
   * "object kept" diagnostic on `shapes`.
   */
  objectMasks?: Uint8Array;
}

export interface ImageDataset {
  /** Identifier, e.g. `shapes`, `mnist`, `fashion-mnist`, `cifar10`, `folder:<name>`. */
  name: string;
  /** Human-readable class names, one per label. */
  classes: string[];
  height: number;
  width: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: 1 | 3;
  train: ImageSplit;
  test: ImageSplit;
  /** Per-channel normalisation applied after scaling pixels to [0, 1]. */
  mean: number[];
  std: number[];
  /** Whether horizontal flips are a valid augmentation (false for digits). */
  flip: boolean;
}

/** A loader or parser failure that names the file and the problem. */
export class DataError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DataError';
    this.file = file;
  }
}
