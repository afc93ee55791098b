/**
 * Named tensors ⇄ the tfjs weights format (weight specs + one concatenated little-endian binary),
 * through TF.js's own `tf.io.encodeWeights` / `tf.io.decodeWeights`, so what this writes loads in any
 * tfjs reader and the reverse. Decoding validates first (weightSpecs.ts): a bad file throws a
 * `WeightsFormatError` naming the weight and creates no tensor.
 */
import * as tf from '@tensorflow/tfjs';
import {
  checkByteLength,
  checkExpectedSpecs,
  parseWeightSpecs,
  WeightsFormatError,
  type WeightSpec,
} from './weightSpecs';

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface EncodedWeights {
  specs: WeightSpec[];
  /** The concatenated binary (`weights.bin`). */
  data: Uint8Array;
}

/** Encodes tensors in the given order (reads their values; the tensors stay the caller's). */
export async function encodeNamedTensors(named: readonly NamedTensor[]): Promise<EncodedWeights> {
  for (const n of named) {
    if (n.tensor.dtype !== 'float32' && n.tensor.dtype !== 'int32')
      throw new WeightsFormatError(n.name, `weight ${n.name}: dtype ${n.tensor.dtype} cannot be exported`);
  }
  const { data, specs } = await tf.io.encodeWeights(named.map((n) => ({ name: n.name, tensor: n.tensor })));
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data as ArrayBufferLike);
  return { specs: parseWeightSpecs(specs), data: bytes };
}

export interface DecodeOptions {
  /** The names, shapes and dtypes the reader needs (exactly these; order free). */
  expected?: readonly WeightSpec[];
  /** Wording for messages about `expected` (e.g. "the manifest (width 8, stage 3)"). */
  context?: string;
  /** The binary's file name in messages. */
  file?: string;
}

/**
 * Validates, then decodes. @returns the tensors by name (owned by the caller)
 * @throws WeightsFormatError naming the weight or file, before any tensor is created
 */
export function decodeNamedTensors(
  rawSpecs: unknown,
  data: Uint8Array,
  o: DecodeOptions = {},
): Record<string, tf.Tensor> {
  const specs = parseWeightSpecs(rawSpecs);
  if (o.expected) checkExpectedSpecs(specs, o.expected, o.context ?? 'the reader');
  checkByteLength(specs, data.byteLength, o.file);
  // decodeWeights reads typed-array views of the buffer: hand it an exact, aligned copy.
  const buffer = data.slice().buffer;
  return tf.io.decodeWeights(buffer, specs) as Record<string, tf.Tensor>;
}

/** Depth-first paths and tensor leaves of a parameter tree (`blocks.0.conv1`), skipping non-tensors. */
export function namedTensorsOf(tree: unknown, prefix = ''): NamedTensor[] {
  const out: NamedTensor[] = [];
  const walk = (node: unknown, path: string): void => {
    if (node instanceof tf.Tensor) out.push({ name: path, tensor: node });
    else if (Array.isArray(node)) node.forEach((v, i) => walk(v, path === '' ? String(i) : `${path}.${i}`));
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(v, path === '' ? k : `${path}.${k}`);
  };
  walk(tree, prefix);
  return out;
}

/**
 * Rebuilds a tree from `name → tensor` (path segments that are integers become array indices),
 * wrapping each tensor in a variable with the given trainable flag (the variables hold their own
 * reference: the caller still disposes the tensors of `named`).
 * @param prefix only names under `prefix.` are used, with the prefix removed
 */
export function treeFromNamed(
  named: Record<string, tf.Tensor>,
  prefix: string,
  trainable: boolean,
): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, tensor] of Object.entries(named)) {
    if (!name.startsWith(`${prefix}.`)) continue;
    const parts = name.slice(prefix.length + 1).split('.');
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const key: string | number = /^\d+$/.test(part) ? Number(part) : part;
      const rec = node as Record<string | number, unknown>;
      if (i === parts.length - 1) {
        rec[key] = tf.variable(tensor, trainable);
        return;
      }
      if (rec[key] === undefined) rec[key] = /^\d+$/.test(parts[i + 1]) ? [] : {};
      node = rec[key] as Record<string, unknown>;
    });
  }
  return root;
}
