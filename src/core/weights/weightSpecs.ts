/**
 * The tfjs weights format without TF.js: a list of weight specs `{name, shape, dtype}` (what
 * `tf.io.encodeWeights` writes into a model.json's `weightsManifest[].weights`) describing ONE
 * concatenated little-endian binary, in spec order. Validation of the specs themselves, of the binary's
 * length against them, and of the specs against the names/shapes/dtypes a reader expects; every
 * message names the weight (or the field) and what is wrong.
 *
 * Pure TypeScript (no TF.js): the page, the worker and the headless command validate a file before
 * any tensor exists. Encoding and decoding live in tfjsWeights.ts.
 */

/** Data types this project writes (no quantisation). */
export const WEIGHT_DTYPES = ['float32', 'int32'] as const;
export type WeightDtype = (typeof WEIGHT_DTYPES)[number];

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
}

/** A weights file or manifest that does not hold what it claims; `field` names the culprit. */
export class WeightsFormatError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'WeightsFormatError';
    this.field = field;
  }
}

const BYTES: Record<WeightDtype, number> = { float32: 4, int32: 4 };

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Bytes one weight occupies in the binary. */
export function specBytes(s: WeightSpec): number {
  return shapeSize(s.shape) * BYTES[s.dtype];
}

/** Bytes the binary of `specs` must have. */
export function totalBytes(specs: readonly WeightSpec[]): number {
  return specs.reduce((a, s) => a + specBytes(s), 0);
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Checks that `raw` is a list of weight specs (unique non-empty names, shapes of non-negative
 * integers, a supported dtype). @param where what to call the list in messages (e.g. "weightSpecs")
 */
export function parseWeightSpecs(raw: unknown, where = 'weightSpecs'): WeightSpec[] {
  if (!Array.isArray(raw)) throw new WeightsFormatError(where, `${where} must be a list of weight specs`);
  const seen = new Set<string>();
  return raw.map((e: unknown, i) => {
    const o = e as Partial<Record<string, unknown>> | null;
    if (o === null || typeof o !== 'object')
      throw new WeightsFormatError(where, `${where}[${i}] must be an object {name, shape, dtype}`);
    const name = o.name;
    if (typeof name !== 'string' || name === '')
      throw new WeightsFormatError(where, `${where}[${i}].name must be a non-empty string`);
    if (seen.has(name)) throw new WeightsFormatError(name, `weight ${name} appears twice in ${where}`);
    seen.add(name);
    const shape = o.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
      throw new WeightsFormatError(
        name,
        `weight ${name}: shape must be a list of non-negative integers; got ${JSON.stringify(shape)}`,
      );
    if ('quantization' in o && o.quantization !== undefined)
      throw new WeightsFormatError(name, `weight ${name}: quantised weights are not supported`);
    const dtype = o.dtype;
    if (typeof dtype !== 'string' || !(WEIGHT_DTYPES as readonly string[]).includes(dtype))
      throw new WeightsFormatError(
        name,
        `weight ${name}: dtype must be one of ${WEIGHT_DTYPES.join(', ')}; got ${JSON.stringify(dtype)}`,
      );
    return { name, shape: shape as number[], dtype: dtype as WeightDtype };
  });
}

/**
 * The binary must be exactly as long as the specs say. @param file the binary's name in messages
 */
export function checkByteLength(
  specs: readonly WeightSpec[],
  byteLength: number,
  file = 'weights.bin',
): void {
  const want = totalBytes(specs);
  if (byteLength === want) return;
  // Name the first weight that does not fit (the usual cause: a truncated or foreign file).
  let offset = 0;
  let culprit = specs[specs.length - 1]?.name ?? file;
  for (const s of specs) {
    offset += specBytes(s);
    if (offset > byteLength) {
      culprit = s.name;
      break;
    }
  }
  const detail =
    byteLength < want
      ? `${file} is too short: ${byteLength} bytes, the weight specs need ${want}; weight ${culprit} is cut off`
      : `${file} has ${byteLength} bytes but the weight specs describe ${want}; it does not belong to this manifest`;
  throw new WeightsFormatError(byteLength < want ? culprit : file, detail);
}

/**
 * The specs must hold exactly the expected weights with the expected shapes and dtypes (order free).
 * @param context why these are expected, for the message (e.g. "the manifest (width 8, stage 3)")
 */
export function checkExpectedSpecs(
  specs: readonly WeightSpec[],
  expected: readonly WeightSpec[],
  context: string,
): void {
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const e of expected) {
    const s = byName.get(e.name);
    if (!s)
      throw new WeightsFormatError(
        e.name,
        `missing weight ${e.name} (${e.dtype} ${fmt(e.shape)}, required by ${context})`,
      );
    if (s.shape.length !== e.shape.length || s.shape.some((d, i) => d !== e.shape[i]))
      throw new WeightsFormatError(
        e.name,
        `weight ${e.name} has shape ${fmt(s.shape)} but ${context} needs ${fmt(e.shape)}`,
      );
    if (s.dtype !== e.dtype)
      throw new WeightsFormatError(e.name, `weight ${e.name} is ${s.dtype} but ${context} needs ${e.dtype}`);
  }
  const known = new Set(expected.map((e) => e.name));
  const extra = specs.find((s) => !known.has(s.name));
  if (extra)
    throw new WeightsFormatError(
      extra.name,
      `unexpected weight ${extra.name}: ${context} has no such weight`,
    );
}
