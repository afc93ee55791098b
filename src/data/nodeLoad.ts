/**
 * Node-only dataset loading for the headless command (uses `node:fs`; never import it from code
 * that runs in the browser worker). Resolves every dataset name to an {@link ImageDataset}:
 * `shapes` is generated, `mnist` / `fashion-mnist` come from the shards `npm run data` writes,
 * `cifar10`, `idx` and `folder` from the user's files under `dataPath`. Files over the file budget
 * are refused before they are read, and folder images are decoded and shrunk one at a time
 * (src/data/limits.ts).
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cifarFromFiles } from './cifar';
import { datasetFromImages, decodeImages, isIgnoredPath, isImagePath } from './folder';
import { maybeGunzip } from './gzip';
import { idxToDataset, type IdxPair } from './idx';
import { checkDatasetBytes, checkFileSize, datasetBudget } from './limits';
import { decodePng } from './png';
import { checkManifest, decodeShards } from './shards';
import { generateShapes } from './shapes';
import { DataError, type ImageDataset } from './types';

export interface NodeLoadOptions {
  /** Where the data are: a shard directory (mnist, fashion-mnist), a file or directory (others). */
  dataPath?: string;
  /**
   * The run seed. Accepted so callers can pass their config through, but deliberately unused: the
   * data never depend on the run seed (it drives order and initialisation only).
   */
  seed?: number;
  /** Seed of the test hold-out for `folder` and single-pair `idx` (default a fixed dataset seed). */
  splitSeed?: number;
  /** Side for `folder` images and `shapes` (default 32; `folder` keeps it, `shapes` too). */
  size?: number;
  /** Channels for `folder` images (default 3). */
  channels?: 1 | 3;
}

/** The repository's `public/data` directory (the output of `npm run data`). */
export const PUBLIC_DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../public/data');

/** Reads a user file, refusing one over the file budget before reading it. */
async function readUserFile(path: string): Promise<Uint8Array> {
  checkFileSize(path, (await stat(path)).size);
  return new Uint8Array(await readFile(path));
}

/** The IDX pairs' pixels must fit this machine's dataset budget. */
function checkIdxBytes(train: IdxPair, test?: IdxPair): void {
  checkDatasetBytes(
    train.imagesFile,
    train.images.length + (test?.images.length ?? 0),
    datasetBudget(totalmem()),
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function requirePath(name: string, opts: NodeLoadOptions, what: string): string {
  if (!opts.dataPath) throw new DataError(name, `needs dataPath: ${what}`);
  return resolve(opts.dataPath);
}

/** Loads a shard directory written by `npm run data`. */
export async function loadShardsDir(dir: string, name: string): Promise<ImageDataset> {
  const manifestPath = join(dir, 'manifest.json');
  if (!(await exists(manifestPath))) {
    throw new DataError(
      manifestPath,
      `not found: the ${name} shards have not been built — run \`npm run data\` first`,
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    throw new DataError(
      manifestPath,
      `is not valid JSON (${err instanceof Error ? err.message : String(err)}) — re-run \`npm run data\``,
    );
  }
  const checked = checkManifest(manifest, manifestPath);
  const files: { name: string; data: Uint8Array }[] = [];
  for (const split of [checked.splits.train, checked.splits.test]) {
    for (const f of [split.images, split.labels, split.masks]) {
      if (typeof f !== 'string') continue;
      const path = join(dir, basename(f));
      if (await exists(path)) files.push({ name: f, data: new Uint8Array(await readFile(path)) });
    }
  }
  return decodeShards(manifest, files);
}

const IDX_ROLE = /(train|t10k|test).*?(images|labels)/i;

/** Finds train/t10k (or test) image and label IDX files (optionally .gz) in a directory. */
async function idxPairsInDir(dir: string): Promise<{ train: IdxPair; test?: IdxPair }> {
  const found: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) {
    const m = IDX_ROLE.exec(f);
    if (!m || !/idx|ubyte/i.test(f)) continue;
    const key = `${m[1].toLowerCase() === 'train' ? 'train' : 'test'}-${m[2].toLowerCase()}`;
    found[key] ??= join(dir, f);
  }
  if (!found['train-images'] || !found['train-labels']) {
    throw new DataError(
      dir,
      'no IDX pair found: expected train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (plus t10k-… for the test split)',
    );
  }
  const pair = async (images: string, labels: string): Promise<IdxPair> => ({
    images: await maybeGunzip(await readUserFile(images), images),
    imagesFile: images,
    labels: await maybeGunzip(await readUserFile(labels), labels),
    labelsFile: labels,
  });
  const train = await pair(found['train-images'], found['train-labels']);
  const test =
    found['test-images'] && found['test-labels']
      ? await pair(found['test-images'], found['test-labels'])
      : undefined;
  return { train, test };
}

async function loadIdx(opts: NodeLoadOptions): Promise<ImageDataset> {
  const name = 'idx';
  const path = requirePath(
    name,
    opts,
    'a directory with train/t10k IDX files, or "images.idx[.gz],labels.idx[.gz]"',
  );
  if (opts.dataPath?.includes(',')) {
    const [images, labels] = opts.dataPath.split(',').map((p) => resolve(p.trim()));
    if (!labels) throw new DataError(opts.dataPath, 'expected "images.idx[.gz],labels.idx[.gz]"');
    for (const f of [images, labels]) if (!(await exists(f))) throw new DataError(f, 'not found');
    const train: IdxPair = {
      images: await maybeGunzip(await readUserFile(images), images),
      imagesFile: images,
      labels: await maybeGunzip(await readUserFile(labels), labels),
      labelsFile: labels,
    };
    checkIdxBytes(train);
    return idxToDataset({ name, train, seed: opts.splitSeed });
  }
  if (!(await exists(path))) throw new DataError(path, 'not found');
  const pairs = await idxPairsInDir(path);
  checkIdxBytes(pairs.train, pairs.test);
  return idxToDataset({ name, ...pairs, seed: opts.splitSeed });
}

async function listFiles(dir: string, prefix = ''): Promise<{ rel: string; abs: string; isDir: boolean }[]> {
  const out: { rel: string; abs: string; isDir: boolean }[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory()) {
      out.push({ rel: `${rel}/`, abs: join(dir, e.name), isDir: true });
      out.push(...(await listFiles(join(dir, e.name), `${rel}/`)));
    } else out.push({ rel, abs: join(dir, e.name), isDir: false });
  }
  return out;
}

async function loadFolder(opts: NodeLoadOptions): Promise<ImageDataset> {
  const dir = requirePath('folder', opts, 'a directory with one sub-folder of .png images per class');
  if (!(await exists(dir))) throw new DataError(dir, 'not found');
  const files: Array<{ path: string; read?: () => Promise<Uint8Array> }> = [];
  for (const f of await listFiles(dir)) {
    if (isIgnoredPath(f.rel)) continue;
    if (f.isDir) {
      files.push({ path: f.rel });
      continue;
    }
    if (!isImagePath(f.rel)) continue;
    if (!/\.png$/i.test(f.rel)) {
      throw new DataError(
        join(dir, f.rel),
        'headless loading decodes PNG only; convert the image to PNG or load the folder in the browser',
      );
    }
    files.push({ path: f.rel, read: () => readUserFile(f.abs) });
  }
  const size = opts.size ?? 32;
  const channels = opts.channels ?? 3;
  // One image at a time: read, decode (a corrupt PNG or one over the image budget throws a
  // DataError naming the file), shrink, drop.
  const entries = await decodeImages(files, async (bytes, rel) => decodePng(bytes, join(dir, rel)), {
    size,
    channels,
  });
  return datasetFromImages(entries, {
    size,
    channels,
    seed: opts.splitSeed,
    name: basename(dir),
    availableBytes: totalmem(),
  });
}

async function loadCifar(opts: NodeLoadOptions): Promise<ImageDataset> {
  const path = requirePath(
    'cifar10',
    opts,
    'the directory with data_batch_1..5.bin and test_batch.bin, or cifar-10-binary.tar.gz',
  );
  if (!(await exists(path))) throw new DataError(path, 'not found');
  const files: { name: string; data: Uint8Array }[] = [];
  if ((await stat(path)).isDirectory()) {
    for (const f of await listFiles(path)) {
      if (!f.isDir && /(^|\/)(data_batch_\d+|test_batch)\.bin$|\.(tar\.gz|tgz|tar)$/i.test(f.rel)) {
        files.push({ name: f.abs, data: await readUserFile(f.abs) });
      }
    }
  } else files.push({ name: path, data: await readUserFile(path) });
  // Prefer loose .bin files over an archive in the same directory (faster, and no duplicates).
  const loose = files.filter((f) => f.name.endsWith('.bin'));
  const ds = await cifarFromFiles(loose.length > 0 ? loose : files);
  checkDatasetBytes(path, ds.train.images.length + ds.test.images.length, datasetBudget(totalmem()));
  return ds;
}

/**
 * Loads dataset `name` for the headless command. Errors are {@link DataError}s that name the
 * missing or bad file and say what to do (e.g. run `npm run data`).
 */
export async function loadDatasetNode(name: string, opts: NodeLoadOptions = {}): Promise<ImageDataset> {
  switch (name) {
    case 'shapes':
      return generateShapes({ size: opts.size ?? 32 });
    case 'mnist':
    case 'fashion-mnist':
      return loadShardsDir(opts.dataPath ? resolve(opts.dataPath) : join(PUBLIC_DATA_DIR, name), name);
    case 'cifar10':
      return loadCifar(opts);
    case 'idx':
      return loadIdx(opts);
    case 'folder':
      return loadFolder(opts);
    default:
      throw new DataError(name, 'unknown dataset; use shapes, mnist, fashion-mnist, cifar10, idx or folder');
  }
}
