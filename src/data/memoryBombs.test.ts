/**
 * The decompression and decoding bombs a user might feed, at full size, through the app's real entry
 * points (the headless loader and the worker's import, each in a fresh Node process): every one is
 * refused with a message naming the file and the limit, and the process's peak memory (VmHWM)
 * stays under 512 MiB. The bombs are generated here (a few MB on disk), never committed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blackPng, gzipZeros, pngWithData, zipZeros, zlibZeros } from './bombFixtures';
import { encodePng } from './testFixtures';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const GiB = 2 ** 30;
const PEAK_LIMIT_MIB = 512;

let dir = '';

function probe(entry: string, path: string): { error: string | null; peakMiB: number } {
  const r = spawnSync(TSX, ['src/testing/bombProbe.ts', entry, path], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`probe ${entry} ${path} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bombs-'));
  for (const [name, bytes] of [
    ['tgz1', GiB],
    ['tgz4', 4 * GiB],
  ] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'cifar-10-binary.tar.gz'), gzipZeros(bytes));
  }
  const huge = blackPng(8192, 8192);
  for (let i = 0; i < 30; i++) {
    mkdirSync(join(dir, 'png30', i % 2 ? 'cats' : 'dogs'), { recursive: true });
    writeFileSync(join(dir, 'png30', i % 2 ? 'cats' : 'dogs', `${i}.png`), huge);
  }
  const small = encodePng({ width: 2, height: 2, colorType: 2, pixels: new Uint8Array(12) });
  mkdirSync(join(dir, 'pngbomb', 'cats'), { recursive: true });
  mkdirSync(join(dir, 'pngbomb', 'dogs'), { recursive: true });
  writeFileSync(join(dir, 'pngbomb', 'cats', 'a.png'), pngWithData(1, 1, zlibZeros(GiB)));
  for (const n of ['b', 'c']) writeFileSync(join(dir, 'pngbomb', 'dogs', `${n}.png`), small);
  writeFileSync(
    join(dir, 'bomb.zip'),
    zipZeros([
      { name: 'cats/a.png', bytes: GiB },
      { name: 'dogs/b.png', bytes: GiB },
    ]),
  );
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`bombs are refused below ${PEAK_LIMIT_MIB} MiB of peak memory`, () => {
  it.each([
    [
      'node:cifar10',
      'tgz1/cifar-10-binary.tar.gz',
      /cifar-10-binary\.tar\.gz: decompresses to more than 256 MiB/,
    ],
    [
      'worker:cifar10',
      'tgz1/cifar-10-binary.tar.gz',
      /^cifar-10-binary\.tar\.gz: decompresses to more than 256 MiB/,
    ],
    ['node:cifar10', 'tgz4', /cifar-10-binary\.tar\.gz: decompresses to more than 256 MiB/],
    [
      'worker:cifar10',
      'tgz4/cifar-10-binary.tar.gz',
      /^cifar-10-binary\.tar\.gz: decompresses to more than 256 MiB/,
    ],
    ['node:folder', 'png30', /\.png: image of 8192×8192 pixels is over the limit/],
    ['worker:images', 'png30', /^png30\/cats\/\d+\.png: image of 8192×8192 pixels is over the limit/],
    [
      'node:folder',
      'pngbomb',
      /a\.png: corrupt PNG: its image data inflates past the 4 bytes a 1×1 image needs/,
    ],
    ['worker:zip', 'bomb.zip', /^bomb\.zip: decompresses to more than 256 MiB/],
  ])('%s %s', (entry, path, message) => {
    const r = probe(entry, join(dir, path));
    expect(r.error).toMatch(message);
    expect(r.peakMiB).toBeGreaterThan(10);
    expect(r.peakMiB).toBeLessThan(PEAK_LIMIT_MIB);
  });
});
