/**
 * One row of the dataset-load benchmark (`npm run bench`, Node and browser halves): an empty row, and
 * the counts and size of a loaded dataset filled in.
 */
import type { ImageDataset } from '../data/types';
import type { DataLoadRow } from './protocol';

export function emptyLoadRow(dataset: string): DataLoadRow {
  return { dataset, coldMs: NaN, cacheWriteMs: NaN, cachedMs: NaN, train: 0, test: 0, bytes: 0, error: '' };
}

/** Sets the row's train/test counts and pixel + label bytes from `ds`. */
export function describeLoaded(row: DataLoadRow, ds: ImageDataset): void {
  row.train = ds.train.count;
  row.test = ds.test.count;
  row.bytes = [ds.train, ds.test].reduce((a, s) => a + s.images.byteLength + s.labels.byteLength, 0);
}
