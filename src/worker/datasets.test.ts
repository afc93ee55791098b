import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import { encodeShards } from '../data/shards';
import { generateShapes } from '../data/shapes';
import { dataErrorOf } from '../data/testFixtures';
import { DatasetCache } from './datasetCache';
import { DatasetSource } from './datasets';

const tiny = (name: string) => ({ ...generateShapes({ trainCount: 6, testCount: 2 }), name });

/** A fetch serving `npm run data` shards of `name` under `/data/<name>/`, counting requests. */
function serveShards(name: string): { calls: string[] } {
  const { manifest, files } = encodeShards(tiny(name));
  const calls: string[] = [];
  vi.stubGlobal('fetch', (url: string) => {
    calls.push(url);
    const file = url.split('/').pop()!;
    if (!url.startsWith(`/data/${name}/`)) return Promise.resolve(new Response('', { status: 404 }));
    if (file === 'manifest.json') return Promise.resolve(Response.json(manifest));
    const f = files.find((x) => x.name === file);
    return Promise.resolve(f ? new Response(f.data as BlobPart) : new Response('', { status: 404 }));
  });
  return { calls };
}

describe('DatasetSource (the worker’s dataset loader)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('loads shards with progress, caches them, and the next load comes from IndexedDB', async () => {
    const { calls } = serveShards('mnist');
    const cache = DatasetCache.open(new IDBFactory());
    const onCached = vi.fn();
    const source = new DatasetSource(cache, '/', () => undefined, onCached);
    const phases: string[] = [];
    const ds = await source.load({ ...DEFAULT_CONFIG, dataset: 'mnist' }, (p, loaded, total) =>
      phases.push(`${p} ${loaded}/${total}`),
    );
    expect(ds.train.count).toBe(6);
    expect(phases).toContain('reading mnist from the cache 0/1');
    expect(phases.at(-1)).toMatch(/^loading mnist (\d+)\/\1$/);
    expect(onCached).toHaveBeenCalledTimes(1);
    expect((await (await cache).list()).map((e) => e.name)).toEqual(['mnist']);
    const fetched = calls.length;
    const again = await new DatasetSource(cache, '/', () => undefined).load(
      { ...DEFAULT_CONFIG, dataset: 'mnist' },
      () => undefined,
    );
    expect(again.train.images).toEqual(ds.train.images);
    expect(calls.length).toBe(fetched); // nothing fetched again
  });

  it('a dataset that is not installed names its manifest and the command; nothing is cached', async () => {
    serveShards('mnist');
    const cache = DatasetCache.open(new IDBFactory());
    const source = new DatasetSource(cache, '/', () => undefined);
    const err = await dataErrorOf(() =>
      source.load({ ...DEFAULT_CONFIG, dataset: 'fashion-mnist' }, () => undefined),
    );
    expect(err.message).toBe(
      '/data/fashion-mnist/manifest.json: dataset "fashion-mnist" is not installed (HTTP 404); run `npm run data` and reload',
    );
    expect(await (await cache).list()).toEqual([]);
  });

  it('keeps an import usable when it cannot be cached, and forgets it on removal', async () => {
    const real = await DatasetCache.open(new IDBFactory());
    const full = Object.assign(Object.create(real) as DatasetCache, {
      save: () => Promise.reject(new Error('storage is full')),
    });
    const notes: string[] = [];
    const source = new DatasetSource(Promise.resolve(full), '/', (m) => notes.push(m));
    await source.addImported(tiny('cifar10'));
    expect(notes).toEqual(['cifar10 is loaded for this session but could not be cached (storage is full).']);
    const cfg = { ...DEFAULT_CONFIG, dataset: 'cifar10' as const };
    expect((await source.load(cfg, () => undefined)).train.count).toBe(6);
    await source.remove('cifar10');
    const err = await dataErrorOf(() => source.load(cfg, () => undefined));
    expect(err.message).toMatch(/^cifar10: no data imported yet/);
  });
});
