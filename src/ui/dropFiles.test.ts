import { describe, expect, it } from 'vitest';
import { classifyDrop } from './dropFiles';

const f = (path: string) => ({ path, file: new File([new Uint8Array(1)], path.split('/').pop()!) });

describe('classifyDrop', () => {
  it('routes a single zip, CIFAR batches, a CIFAR archive, IDX files and image folders', () => {
    expect(classifyDrop([f('pets.zip')])?.kind).toBe('zip');
    expect(classifyDrop([f('cifar/data_batch_1.bin'), f('cifar/test_batch.bin')])?.kind).toBe('cifar10');
    expect(classifyDrop([f('cifar-10-binary.tar.gz')])?.kind).toBe('cifar10');
    expect(classifyDrop([f('train-images-idx3-ubyte.gz'), f('train-labels-idx1-ubyte.gz')])?.kind).toBe(
      'idx',
    );
    const folder = classifyDrop([f('pets/cat/1.png'), f('pets/dog/2.jpg')]);
    expect(folder?.kind).toBe('images');
    expect(folder && folder.kind === 'images' ? folder.files.map((x) => x.path) : []).toEqual([
      'pets/cat/1.png',
      'pets/dog/2.jpg',
    ]);
  });

  it('returns null for an empty drop', () => {
    expect(classifyDrop([])).toBeNull();
  });
});
