import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { decodeNamedTensors, encodeNamedTensors, namedTensorsOf, treeFromNamed } from './tfjsWeights';
import {
  checkByteLength,
  parseWeightSpecs,
  totalBytes,
  WeightsFormatError,
  type WeightSpec,
} from './weightSpecs';

describe('tfjs weights format', () => {
  beforeAll(() => initTestBackend());

  it('round-trips named tensors through encode → decode bit-exactly, little-endian, in spec order', async () => {
    const a = tf.tensor([1.5, -2, 3.25, 1e-30], [2, 2]);
    const b = tf.tensor1d([7, -8, 2 ** 30], 'int32');
    const { specs, data } = await encodeNamedTensors([
      { name: 'enc.a', tensor: a },
      { name: 'b', tensor: b },
    ]);
    expect(specs).toEqual([
      { name: 'enc.a', shape: [2, 2], dtype: 'float32' },
      { name: 'b', shape: [3], dtype: 'int32' },
    ]);
    expect(data.byteLength).toBe(totalBytes(specs));
    // The first value of weights.bin is 1.5 as a little-endian float32.
    expect(new DataView(data.buffer, data.byteOffset).getFloat32(0, true)).toBe(1.5);
    expect(new DataView(data.buffer, data.byteOffset).getInt32(16, true)).toBe(7);
    const back = decodeNamedTensors(JSON.parse(JSON.stringify(specs)), data);
    expect(Array.from(back['enc.a'].dataSync())).toEqual(Array.from(a.dataSync()));
    expect(back['enc.a'].shape).toEqual([2, 2]);
    expect(back.b.dtype).toBe('int32');
    expect(Array.from(back.b.dataSync())).toEqual([7, -8, 2 ** 30]);
    // What tf.io itself decodes from the same bytes agrees.
    const viaTf = tf.io.decodeWeights(data.slice().buffer, specs);
    expect(Array.from(viaTf['enc.a'].dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, ...Object.values(back), ...Object.values(viaTf)]);
  });

  it('rebuilds a parameter tree from the names (arrays from integer segments)', () => {
    const before = tf.memory().numTensors;
    const tree = { stem: { conv: tf.ones([1, 2]) }, blocks: [{ w: tf.zeros([3]) }, { w: tf.ones([1]) }] };
    const named = Object.fromEntries(namedTensorsOf(tree, 'enc').map((n) => [n.name, n.tensor]));
    expect(Object.keys(named)).toEqual(['enc.stem.conv', 'enc.blocks.0.w', 'enc.blocks.1.w']);
    const back = treeFromNamed(named, 'enc', false) as {
      stem: { conv: tf.Variable };
      blocks: Array<{ w: tf.Variable }>;
    };
    expect(Array.isArray(back.blocks)).toBe(true);
    expect(back.blocks[1].w.shape).toEqual([1]);
    expect(back.stem.conv.trainable).toBe(false);
    tf.dispose([tree.stem.conv, ...tree.blocks.map((b) => b.w)]);
    expect(Array.from(back.stem.conv.dataSync())).toEqual([1, 1]); // variables hold their own reference
    tf.dispose([back.stem.conv, ...back.blocks.map((b) => b.w)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  const specs: WeightSpec[] = [
    { name: 'enc.a', shape: [2, 2], dtype: 'float32' },
    { name: 'enc.b', shape: [3], dtype: 'int32' },
  ];
  const bin = new Uint8Array(28);

  it.each([
    ['not a list', { a: 1 }, /weightSpecs must be a list/],
    ['nameless entry', [{ shape: [1], dtype: 'float32' }], /weightSpecs\[0\]\.name/],
    ['duplicate name', [specs[0], specs[0]], /weight enc\.a appears twice/],
    ['bad shape', [{ name: 'w', shape: [2, -1], dtype: 'float32' }], /weight w: shape must be/],
    [
      'unsupported dtype',
      [{ name: 'w', shape: [2], dtype: 'float16' }],
      /weight w: dtype must be one of float32, int32; got "float16"/,
    ],
    [
      'quantised',
      [{ name: 'w', shape: [2], dtype: 'float32', quantization: { dtype: 'uint8' } }],
      /weight w: quantised/,
    ],
  ])('rejects bad specs (%s) with a message naming the weight', (_what, raw, re) => {
    expect(() => parseWeightSpecs(raw)).toThrow(re);
  });

  it('rejects a binary whose length does not match, naming the cut-off weight or the file', () => {
    expect(() => checkByteLength(specs, 20)).toThrow(
      /too short: 20 bytes, the weight specs need 28; weight enc\.b is cut off/,
    );
    expect(() => checkByteLength(specs, 12)).toThrow(/weight enc\.a is cut off/);
    expect(() => checkByteLength(specs, 32)).toThrow(
      /weights\.bin has 32 bytes but the weight specs describe 28/,
    );
    try {
      checkByteLength(specs, 20);
    } catch (e) {
      expect((e as WeightsFormatError).field).toBe('enc.b');
    }
  });

  it('rejects missing, mis-shaped, mis-typed and unexpected weights against the expected list, creating no tensor', () => {
    const before = tf.memory().numTensors;
    const o = { expected: specs, context: 'the test model' };
    expect(() => decodeNamedTensors([specs[0]], bin.slice(0, 16), o)).toThrow(
      /missing weight enc\.b \(int32 \[3\], required by the test model\)/,
    );
    const wrongShape = [specs[0], { ...specs[1], shape: [1, 3] }];
    expect(() => decodeNamedTensors(wrongShape, bin, o)).toThrow(
      /weight enc\.b has shape \[1, 3\] but the test model needs \[3\]/,
    );
    const wrongType = [specs[0], { ...specs[1], dtype: 'float32' }];
    expect(() => decodeNamedTensors(wrongType, bin, o)).toThrow(
      /weight enc\.b is float32 but the test model needs int32/,
    );
    const extra = [...specs, { name: 'enc.c', shape: [1], dtype: 'float32' }];
    expect(() => decodeNamedTensors(extra, new Uint8Array(32), o)).toThrow(/unexpected weight enc\.c/);
    expect(() => decodeNamedTensors(specs, bin.slice(0, 27), o)).toThrow(/weight enc\.b is cut off/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
