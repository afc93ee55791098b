import { afterEach, describe, expect, it, vi } from 'vitest';
import { dataErrorOf } from '../data/testFixtures';
import { fetchWithProgress, importUserData, pairIdxNames } from './userData';

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

describe('fetchWithProgress (CIFAR-10 from a URL)', () => {
  const url = 'https://data.example.test/cifar-10-binary.tar.gz';
  afterEach(() => vi.unstubAllGlobals());

  it('names the URL and says what to do when the request fails (unreachable or no CORS)', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const err = await dataErrorOf(() => fetchWithProgress(url, () => undefined));
    expect(err.message).toMatch(
      /^https:\/\/data\.example\.test\/cifar-10-binary\.tar\.gz: the download failed before any data arrived \(Failed to fetch\): .*cross-origin requests \(CORS\); download the file yourself and choose it with the file picker$/,
    );
  });

  it('names the URL and the HTTP status when the server refuses', async () => {
    vi.stubGlobal('fetch', () =>
      Promise.resolve(new Response('gone', { status: 404, statusText: 'Not Found' })),
    );
    const err = await dataErrorOf(() => fetchWithProgress(url, () => undefined));
    expect(err.message).toBe(`${url}: the server answered HTTP 404 Not Found`);
  });

  it('reports download progress and names the downloaded file when its content is bad', async () => {
    vi.stubGlobal('fetch', () =>
      Promise.resolve(new Response(new Uint8Array(3073 + 7), { headers: { 'content-length': '3080' } })),
    );
    const seen: number[] = [];
    const bytes = await fetchWithProgress(url, (_, loaded) => seen.push(loaded));
    expect(bytes.byteLength).toBe(3080);
    expect(seen[seen.length - 1]).toBe(3080);
    const err = await dataErrorOf(() =>
      importUserData(
        { kind: 'url', url },
        { size: 32, channels: 3 },
        () => undefined,
        () => {
          throw new Error('no images here');
        },
      ),
    );
    expect(err.message).toMatch(/^cifar-10-binary\.tar\.gz: /);
  });
});
