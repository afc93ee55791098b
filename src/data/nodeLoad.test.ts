import { gzipSync } from 'fflate';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDatasetNode } from './nodeLoad';
import { encodeShards } from './shards';
import { generateShapes } from './shapes';
import { dataErrorOf, encodePng, makeCifarBatch, makeIdx, makeTar } from './testFixtures';

const root = mkdtempSync(join(tmpdir(), 'samix-nodeload-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dir(...parts: string[]): string {
  const d = join(root, ...parts);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('loadDatasetNode', () => {
  it('generates shapes', async () => {
    const ds = await loadDatasetNode('shapes', { size: 16 });
    expect([ds.name, ds.height, ds.train.count]).toEqual(['shapes', 16, 5000]);
  });

  it('reads shards and says to run `npm run data` when they are missing', async () => {
    const d = dir('shards', 'mnist');
    const { manifest, files } = encodeShards({
      ...generateShapes({ trainCount: 10, testCount: 10 }),
      name: 'mnist',
    });
    writeFileSync(join(d, 'manifest.json'), JSON.stringify(manifest));
    for (const f of files) writeFileSync(join(d, f.name), f.data);
    const ds = await loadDatasetNode('mnist', { dataPath: d });
    expect([ds.name, ds.train.count, ds.test.count]).toEqual(['mnist', 10, 10]);
    const err = await dataErrorOf(() =>
      loadDatasetNode('fashion-mnist', { dataPath: join(root, 'nowhere') }),
    );
    expect(err.message).toMatch(/nowhere\/manifest\.json: not found: .*run `npm run data` first/);
  });

  it('reads an IDX directory (gzip) and a comma pair', async () => {
    const d = dir('idx');
    const imgs = (n: number): Uint8Array =>
      makeIdx(
        [n, 5, 5],
        Uint8Array.from({ length: n * 25 }, (_, i) => i & 0xff),
      );
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(imgs(20)));
    writeFileSync(
      join(d, 'train-labels-idx1-ubyte.gz'),
      gzipSync(
        makeIdx(
          [20],
          Uint8Array.from({ length: 20 }, (_, i) => i % 4),
        ),
      ),
    );
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), imgs(6));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), makeIdx([6], Uint8Array.from([0, 1, 2, 3, 0, 1])));
    const ds = await loadDatasetNode('idx', { dataPath: d });
    expect([ds.train.count, ds.test.count, ds.height, ds.classes.length]).toEqual([20, 6, 5, 4]);
    const pair = await loadDatasetNode('idx', {
      dataPath: `${join(d, 'train-images-idx3-ubyte.gz')},${join(d, 'train-labels-idx1-ubyte.gz')}`,
    });
    expect([pair.train.count, pair.test.count]).toEqual([16, 4]);
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), makeIdx([5], Uint8Array.from([0, 1, 2, 3, 0])));
    const err = await dataErrorOf(() => loadDatasetNode('idx', { dataPath: d }));
    expect(err.message).toMatch(
      /t10k-images-idx3-ubyte has 6 images but .*t10k-labels-idx1-ubyte has 5 labels/,
    );
  });

  it('reads CIFAR-10 from loose .bin files and from the .tar.gz', async () => {
    const d = dir('cifar', 'cifar-10-batches-bin');
    writeFileSync(join(d, 'data_batch_1.bin'), makeCifarBatch([1, 2, 3]));
    writeFileSync(join(d, 'test_batch.bin'), makeCifarBatch([4]));
    const loose = await loadDatasetNode('cifar10', { dataPath: join(root, 'cifar') });
    expect([loose.train.count, loose.test.count]).toEqual([3, 1]);
    const tgz = join(root, 'cifar-10-binary.tar.gz');
    writeFileSync(
      tgz,
      gzipSync(
        makeTar([
          { name: 'cifar-10-batches-bin/data_batch_1.bin', data: makeCifarBatch([5, 6]) },
          { name: 'cifar-10-batches-bin/test_batch.bin', data: makeCifarBatch([7]) },
        ]),
      ),
    );
    const packed = await loadDatasetNode('cifar10', { dataPath: tgz });
    expect(Array.from(packed.train.labels)).toEqual([5, 6]);
    const err = await dataErrorOf(() => loadDatasetNode('cifar10', {}));
    expect(err.message).toMatch(/^cifar10: needs dataPath/);
  });

  it('reads a folder of PNGs, one sub-folder per class, and names a corrupt PNG', async () => {
    const d = dir('folder', 'shapes-photos');
    for (const [cls, v] of [
      ['red', 0],
      ['blue', 2],
    ] as const) {
      dir('folder', 'shapes-photos', cls);
      for (let i = 0; i < 5; i++) {
        const pixels = new Uint8Array(6 * 4 * 3);
        for (let p = 0; p < 24; p++) pixels[p * 3 + v] = 255;
        writeFileSync(
          join(d, cls, `${i}.png`),
          encodePng({ width: 6, height: 4, colorType: 2, pixels, filters: [i % 5] }),
        );
      }
    }
    const ds = await loadDatasetNode('folder', { dataPath: d, size: 8 });
    expect(ds.name).toBe('folder:shapes-photos');
    expect(ds.classes).toEqual(['blue', 'red']);
    expect([ds.train.count, ds.test.count, ds.height, ds.channels]).toEqual([8, 2, 8, 3]);
    const i = Array.from(ds.train.labels).indexOf(0);
    expect(Array.from(ds.train.images.subarray(i * 192, i * 192 + 3))).toEqual([0, 0, 255]);
    writeFileSync(join(d, 'red', 'broken.png'), new TextEncoder().encode('not really a png'));
    const err = await dataErrorOf(() => loadDatasetNode('folder', { dataPath: d }));
    expect(err.message).toMatch(/red\/broken\.png: not a PNG file/);
  });
});
