import { describe, expect, it } from 'vitest';
import { pairIdxNames } from './userData';

describe('pairIdxNames', () => {
  it('pairs train and t10k files by their conventional names', () => {
    expect(
      pairIdxNames([
        't10k-labels-idx1-ubyte.gz',
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
        't10k-images-idx3-ubyte.gz',
      ]),
    ).toEqual({
      trainImages: 'train-images-idx3-ubyte.gz',
      trainLabels: 'train-labels-idx1-ubyte.gz',
      testImages: 't10k-images-idx3-ubyte.gz',
      testLabels: 't10k-labels-idx1-ubyte.gz',
    });
  });

  it('leaves the test split out when only one test file is present', () => {
    const p = pairIdxNames(['train-images.idx', 'train-labels.idx', 't10k-images.idx']);
    expect(p.testImages).toBeUndefined();
    expect(p.testLabels).toBeUndefined();
  });

  it('names the files and says what is expected when no train pair exists', () => {
    expect(() => pairIdxNames(['t10k-images.idx', 'notes.txt'])).toThrow(
      't10k-images.idx, notes.txt: no IDX pair found: choose train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (and t10k-… for a test split)',
    );
  });
});
