import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCifarBatch, makeIdx, makeTar, rgbToPng } from '../data/testFixtures';

/**
 * `npm run train -- --dataset cifar10|folder|idx --data PATH` end to end: real-format files written
 * to a temporary directory, the CLI run as a child process, its JSONL and exit code checked.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const root = mkdtempSync(join(tmpdir(), 'samix-train-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dir(...parts: string[]): string {
  const d = join(root, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}

function train(dataset: string, data: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    TSX,
    [
      'src/cli/train.ts',
      '--dataset',
      dataset,
      '--data',
      data,
      '--steps',
      '2',
      '--batch',
      '4',
      '--width',
      '4',
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 240_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSONL records: one per step, then the summary. */
function expectTrained(r: ReturnType<typeof train>, name: string, images: number): void {
  expect(r.stderr).toContain(`on ${name} (${images} images), 2 steps`);
  expect(r.status).toBe(0);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.map((l) => l.step ?? l.type)).toEqual([1, 2, 'summary']);
  const summary = lines[2] as { steps: number; testAccQ: number; testAccK: number };
  expect(summary.steps).toBe(2);
  for (const acc of [summary.testAccQ, summary.testAccK]) {
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
  }
  expect(Number.isFinite((lines[1].loss as { total: number }).total)).toBe(true);
}

const labels = (n: number, classes: number): number[] => Array.from({ length: n }, (_, i) => i % classes);

describe('npm run train with the data on disk', () => {
  it('trains on CIFAR-10 batch files in a directory and on the .tar.gz', () => {
    const d = dir('cifar', 'cifar-10-batches-bin');
    writeFileSync(join(d, 'data_batch_1.bin'), makeCifarBatch(labels(10, 10)));
    writeFileSync(join(d, 'data_batch_2.bin'), makeCifarBatch(labels(6, 10), 10));
    writeFileSync(join(d, 'test_batch.bin'), makeCifarBatch(labels(8, 10), 30));
    expectTrained(train('cifar10', d), 'cifar10', 16);
    const tgz = join(root, 'cifar-10-binary.tar.gz');
    writeFileSync(
      tgz,
      gzipSync(
        makeTar([
          { name: 'cifar-10-batches-bin/' },
          { name: 'cifar-10-batches-bin/data_batch_1.bin', data: makeCifarBatch(labels(12, 10)) },
          { name: 'cifar-10-batches-bin/test_batch.bin', data: makeCifarBatch(labels(4, 10)) },
        ]),
      ),
    );
    expectTrained(train('cifar10', tgz), 'cifar10', 12);
  }, 480_000);

  it('trains on a folder of PNGs, one sub-folder per class', () => {
    const d = dir('folder', 'pets');
    for (const [cls, channel] of [
      ['cats', 0],
      ['dogs', 2],
    ] as const) {
      dir('folder', 'pets', cls);
      for (let i = 0; i < 5; i++) {
        const rgb = new Uint8Array(20 * 16 * 3);
        for (let p = 0; p < 20 * 16; p++) rgb[p * 3 + channel] = 100 + 20 * i;
        writeFileSync(join(d, cls, `${i}.png`), rgbToPng(20, 16, rgb));
      }
    }
    expectTrained(train('folder', d), 'folder:pets', 8);
  }, 240_000);

  it('trains on MNIST-format IDX files (gzip), from a directory and from a comma pair', () => {
    const d = dir('idx');
    const images = (n: number): Uint8Array =>
      makeIdx(
        [n, 12, 12],
        Uint8Array.from({ length: n * 144 }, (_, i) => (i * 13) & 0xff),
      );
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(images(20)));
    writeFileSync(
      join(d, 'train-labels-idx1-ubyte.gz'),
      gzipSync(makeIdx([20], Uint8Array.from(labels(20, 3)))),
    );
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), images(6));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), makeIdx([6], Uint8Array.from(labels(6, 3))));
    expectTrained(train('idx', d), 'idx', 20);
    const pair = `${join(d, 'train-images-idx3-ubyte.gz')},${join(d, 'train-labels-idx1-ubyte.gz')}`;
    expectTrained(train('idx', pair), 'idx', 17); // 20 % of each class (7, 7, 6 → 1 each) held out
  }, 480_000);

  it('exits non-zero naming the file when a CIFAR-10 batch has the wrong size', () => {
    const d = dir('bad-cifar');
    const file = join(d, 'data_batch_1.bin');
    writeFileSync(file, new Uint8Array(3073 * 2 + 5));
    writeFileSync(join(d, 'test_batch.bin'), makeCifarBatch(labels(4, 10)));
    const r = train('cifar10', d);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `^train: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: size 6,151 bytes is not a multiple of 3,073 bytes`,
        'm',
      ),
    );
  }, 240_000);

  it('exits non-zero naming the folder when it has only one class', () => {
    const d = dir('one-class', 'only');
    dir('one-class', 'only', 'cats');
    writeFileSync(join(d, 'cats', '0.png'), rgbToPng(8, 8, new Uint8Array(8 * 8 * 3)));
    const r = train('folder', d);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^train: cats\/: only 1 class found; a classifier needs at least 2 class folders/m,
    );
  }, 240_000);
});
