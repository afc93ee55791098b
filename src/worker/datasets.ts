/**
 * Loads the dataset a run asks for inside the worker: `shapes` is generated from its fixed seed (no
 * download); MNIST and Fashion-MNIST come from the shards `npm run data` writes under public/data.
 * User data (CIFAR-10 files, image folders, IDX) arrives through dedicated messages.
 */
import type { RunConfig } from '../core/config';
import { generateShapes } from '../data/shapes';
import { decodeShards, type ShardManifest } from '../data/shards';
import { DataError, type ImageDataset } from '../data/types';

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new DataError(url, `HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadShards(name: string, base: string): Promise<ImageDataset> {
  const manifestUrl = `${base}data/${name}/manifest.json`;
  const res = await fetch(manifestUrl);
  if (!res.ok) {
    throw new DataError(
      manifestUrl,
      `dataset "${name}" is not installed (HTTP ${res.status}); run \`npm run data\` and reload`,
    );
  }
  const manifest = (await res.json()) as ShardManifest;
  const names = Object.values(manifest.splits).flatMap((s) => [s.images, s.labels]);
  const files = await Promise.all(
    names.map(async (f) => ({ name: f, data: await fetchBytes(`${base}data/${name}/${f}`) })),
  );
  return decodeShards(manifest, files);
}

export async function loadDataset(config: RunConfig, base = '/'): Promise<ImageDataset> {
  switch (config.dataset) {
    case 'shapes':
      return generateShapes();
    case 'mnist':
    case 'fashion-mnist':
      return loadShards(config.dataset, base);
    default:
      throw new DataError(config.dataset, 'choose the files for this dataset in the Datasets panel first');
  }
}
