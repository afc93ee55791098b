/**
 * Rows of the dataset benchmark (`npm run bench`, Node and browser halves): an empty load row, the
 * counts and size of a loaded dataset, and an empty batch-assembly row.
 */
import type { ImageDataset } from '../data/types';
import type { AssemblyRow, DataLoadRow } from './protocol';

export function emptyLoadRow(dataset: string): DataLoadRow {
  return { dataset, coldMs: NaN, cacheWriteMs: NaN, cachedMs: NaN, train: 0, test: 0, bytes: 0, error: '' };
}

/** Sets the row's train/test counts and pixel + label bytes from `ds`. */
export function describeLoaded(row: DataLoadRow, ds: ImageDataset): void {
  row.train = ds.train.count;
  row.test = ds.test.count;
  row.bytes = [ds.train, ds.test].reduce((a, s) => a + s.images.byteLength + s.labels.byteLength, 0);
}

/** A batch-assembly row before it is measured (`error` set when the backend could not start). */
export function emptyAssemblyRow(backend: string, dataset: string, error = ''): AssemblyRow {
  return {
    backend,
    dataset,
    resident: 0,
    uploadMs: NaN,
    assemblyMs: NaN,
    samixStepMs: NaN,
    ratio: NaN,
    error,
  };
}
