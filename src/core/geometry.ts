/**
 * The shape of a dataset as the memory pre-flight (core/memoryEstimate.ts) sees it: image size,
 * classes and the image counts a run of `cfg` keeps (trainSize / testSize, 0 = all).
 */
import type { RunConfig } from './configDefaults';
import type { DataGeometry } from './memoryEstimate';
import type { ImageDataset } from '../data/types';

const kept = (limit: number, count: number): number => (limit > 0 ? Math.min(limit, count) : count);

export function dataGeometry(ds: ImageDataset, cfg: Pick<RunConfig, 'trainSize' | 'testSize'>): DataGeometry {
  return {
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    classes: ds.classes.length,
    trainCount: kept(cfg.trainSize, ds.train.count),
    testCount: kept(cfg.testSize, ds.test.count),
  };
}
