/**
 * Tiny in-memory datasets for the trainer's unit tests (test-only; production code never imports
 * this module). Images are learnable: class c puts a bright square in quadrant c on a noisy
 * background, and the square is the ground-truth object mask.
 */
import type { ImageDataset, ImageSplit } from '../data/types';
import { DEFAULT_CONFIG, type RunConfig } from './config';
import { Rng } from '../lib/random';

export interface TinyDatasetOptions {
  size?: number;
  channels?: 1 | 3;
  classes?: number;
  train?: number;
  test?: number;
  seed?: number;
  flip?: boolean;
}

function split(rng: Rng, count: number, size: number, channels: number, classes: number): ImageSplit {
  const hw = size * size;
  const images = new Uint8Array(count * hw * channels);
  const labels = new Uint8Array(count);
  const objectMasks = new Uint8Array(count * hw);
  const half = size / 2;
  for (let i = 0; i < count; i++) {
    const c = i % classes;
    labels[i] = c;
    const oy = (c >> 1) % 2 === 0 ? 0 : half;
    const ox = c % 2 === 0 ? 0 : half;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = y >= oy + 1 && y < oy + half - 1 && x >= ox + 1 && x < ox + half - 1;
        objectMasks[i * hw + y * size + x] = inside ? 255 : 0;
        for (let ch = 0; ch < channels; ch++) {
          const v = (inside ? 200 : 40) + rng.int(40);
          images[(i * hw + y * size + x) * channels + ch] = v;
        }
      }
    }
  }
  return { count, images, labels, objectMasks };
}

/** A tiny learnable dataset (defaults: 16 px, 3 channels, 4 classes, 64 train, 32 test). */
export function tinyDataset(o: TinyDatasetOptions = {}): ImageDataset {
  const size = o.size ?? 16;
  const channels = o.channels ?? 3;
  const classes = o.classes ?? 4;
  const rng = new Rng(o.seed ?? 7);
  return {
    name: 'tiny',
    classes: Array.from({ length: classes }, (_, i) => `c${i}`),
    height: size,
    width: size,
    channels,
    train: split(rng, o.train ?? 64, size, channels, classes),
    test: split(rng, o.test ?? 32, size, channels, classes),
    mean: Array(channels).fill(0.4),
    std: Array(channels).fill(0.3),
    flip: o.flip ?? true,
  };
}

/** A self-supervised configuration small enough for unit tests (batch 8, width 4, queue 32). */
export const TINY_SSL_CONFIG: RunConfig = {
  ...DEFAULT_CONFIG,
  scenario: 'ssl',
  batch: 8,
  width: 4,
  steps: 40,
  testSize: 16,
  queueSize: 32,
  projHidden: 16,
  projDim: 8,
  knnK: 5,
  probeEpochs: 2,
};
