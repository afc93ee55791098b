/**
 * The SAMix^P Mixer bundle's manifest (docs/samixp.md): format `samix-mixer`, version 1. A bundle is
 * this JSON plus `weights.bin` in the tfjs weights format: the momentum encoder f_k up to the Mixer's
 * stage (with its BN moving statistics) under `encoder.*` and the Mixer under `mixer.*`.
 *
 * `readMixerBundle` validates everything a loader needs — format, version, every field, the weight
 * specs against the architecture the fields imply, the binary's length — and names the field or
 * weight at fault, so nothing is half-loaded. Pure TypeScript (no TF.js): page, worker and CLI call it.
 */
import {
  checkByteLength,
  checkExpectedSpecs,
  parseWeightSpecs,
  WeightsFormatError,
  type WeightSpec,
} from './weightSpecs';

export const MIXER_FORMAT = 'samix-mixer';
export const MIXER_VERSION = 1;
export const MIXER_VARIANTS = ['samix', 'automix'] as const;
export type MixerVariant = (typeof MIXER_VARIANTS)[number];

export interface MixerManifest {
  format: typeof MIXER_FORMAT;
  version: typeof MIXER_VERSION;
  /** Input size of the frozen encoder `[H, W, C]`. */
  inputShape: [number, number, number];
  /** = inputShape[2]: 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** Encoder stage (1..4) the Mixer reads. */
  mixerStage: number;
  mixerVariant: MixerVariant;
  /** λ rescale constant of the Mixer's λ encoding (−1 = identity). */
  lamMulK: number;
  /** The Mixer adds each position's own content score (logits = P·V + V); absent in older bundles = false. */
  mixerLocal: boolean;
  /** The Mixer's masks are fitted to mean 1 − λ; absent in older bundles = false. */
  maskFit: boolean;
  /** Base width W of the ResNet-mini the encoder comes from. */
  width: number;
  /** Dataset the Mixer was trained on. */
  sourceDataset: string;
  /** Training steps of the source run at export. */
  steps: number;
  seed: number;
  /** Per-channel normalisation of the source data (pixels/255 − mean)/std, length = channels. */
  normalization: { mean: number[]; std: number[] };
  /** Which training produced it: supervised (sl) or self-supervised (ssl). */
  scenario: 'sl' | 'ssl';
  weightSpecs: WeightSpec[];
  /** ISO 8601 time of the export. */
  createdAt: string;
}

export interface MixerBundle {
  manifest: MixerManifest;
  /** The tfjs weights binary (`weights.bin`). */
  weights: Uint8Array;
}

/** ResNet-mini strides per stage (nets/resnet.ts; repeated here so this file stays TF-free). */
const STRIDES = [1, 2, 2, 2];

const bn = (path: string, c: number): WeightSpec[] =>
  ['gamma', 'beta', 'movingMean', 'movingVar'].map((k) => ({
    name: `${path}.${k}`,
    shape: [c],
    dtype: 'float32',
  }));
const w = (name: string, shape: number[]): WeightSpec => ({ name, shape, dtype: 'float32' });

/** The weights a bundle with these fields must hold (names as `namedTensorsOf` writes them). */
export function expectedMixerSpecs(
  m: Pick<MixerManifest, 'channels' | 'width' | 'mixerStage' | 'mixerVariant'>,
): WeightSpec[] {
  const widths = [m.width, 2 * m.width, 4 * m.width, 8 * m.width];
  const out: WeightSpec[] = [
    w('encoder.stem.conv', [3, 3, m.channels, m.width]),
    ...bn('encoder.stem.bn', m.width),
  ];
  let cin = m.width;
  for (let s = 0; s < m.mixerStage; s++) {
    const p = `encoder.blocks.${s}`;
    const cout = widths[s];
    out.push(w(`${p}.conv1`, [3, 3, cin, cout]), ...bn(`${p}.bn1`, cout));
    out.push(w(`${p}.conv2`, [3, 3, cout, cout]), ...bn(`${p}.bn2`, cout));
    if (STRIDES[s] !== 1 || cin !== cout)
      out.push(w(`${p}.down.conv`, [1, 1, cin, cout]), ...bn(`${p}.down.bn`, cout));
    cin = cout;
  }
  const c = widths[m.mixerStage - 1];
  const d = Math.max(1, Math.floor(c / 2));
  if (m.mixerVariant === 'automix') {
    out.push(
      w('mixer.embed.w', [c, d]),
      w('mixer.embed.b', [d]),
      w('mixer.value.w', [c, 1]),
      w('mixer.value.b', [1]),
    );
  } else {
    out.push(
      w('mixer.query.w', [2 * c, d]),
      w('mixer.query.b', [d]),
      w('mixer.key.w', [2 * c, d]),
      w('mixer.key.b', [d]),
    );
    out.push(w('mixer.value1', [c, d]), ...bn('mixer.valueBn', d), w('mixer.value2', [d, 1]));
  }
  return out;
}

const fail = (field: string, message: string): never => {
  throw new WeightsFormatError(field, `mixer bundle: ${message}`);
};

function int(o: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    fail(field, `${field} must be an integer in [${min}, ${max}]; got ${JSON.stringify(v)}`);
  return v as number;
}

function numbers(v: unknown, field: string, n: number, positive: boolean): number[] {
  if (
    !Array.isArray(v) ||
    v.length !== n ||
    !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))
  )
    fail(
      field,
      `${field} must be ${n} ${positive ? 'positive ' : ''}numbers (one per channel); got ${JSON.stringify(v)}`,
    );
  return v as number[];
}

/** Validates a parsed manifest.json (every field; the weight specs against the architecture). */
export function parseMixerManifest(raw: unknown): MixerManifest {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail('manifest', 'manifest.json must hold a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.format !== MIXER_FORMAT)
    fail('format', `format must be "${MIXER_FORMAT}"; got ${JSON.stringify(o.format)} (not a Mixer bundle)`);
  const version = o.version;
  if (typeof version !== 'number' || !Number.isInteger(version))
    fail('version', `version must be an integer; got ${JSON.stringify(version)}`);
  if ((version as number) > MIXER_VERSION)
    fail(
      'version',
      `version ${String(version)} is newer than this app reads (${MIXER_VERSION}); update the app or re-export the bundle`,
    );
  if (version !== MIXER_VERSION)
    fail('version', `version ${String(version)} is not supported (this app reads version ${MIXER_VERSION})`);
  const shape = o.inputShape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    !shape.every((d) => Number.isInteger(d) && (d as number) > 0)
  )
    fail(
      'inputShape',
      `inputShape must be [height, width, channels] of positive integers; got ${JSON.stringify(shape)}`,
    );
  const [h, wd, c] = shape as number[];
  if (c !== 1 && c !== 3) fail('inputShape', `inputShape channels must be 1 or 3; got ${c}`);
  if (Math.min(h, wd) < 8)
    fail('inputShape', `inputShape ${h}×${wd} is smaller than the 8 px the encoder needs`);
  const channels = int(o, 'channels', 1, 3);
  if (channels !== c) fail('channels', `channels (${channels}) does not match inputShape[2] (${c})`);
  const mixerStage = int(o, 'mixerStage', 1, 4);
  const variant = o.mixerVariant;
  if (typeof variant !== 'string' || !(MIXER_VARIANTS as readonly string[]).includes(variant))
    fail(
      'mixerVariant',
      `mixerVariant must be one of ${MIXER_VARIANTS.join(', ')}; got ${JSON.stringify(variant)}`,
    );
  if (typeof o.lamMulK !== 'number' || !Number.isFinite(o.lamMulK) || o.lamMulK < -1)
    fail('lamMulK', `lamMulK must be a number ≥ −1; got ${JSON.stringify(o.lamMulK)}`);
  for (const key of ['mixerLocal', 'maskFit'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      fail(key, `${key} must be true or false when present; got ${JSON.stringify(o[key])}`);
  const width = int(o, 'width', 2, 128);
  if (typeof o.sourceDataset !== 'string' || o.sourceDataset === '')
    fail('sourceDataset', `sourceDataset must be a non-empty string; got ${JSON.stringify(o.sourceDataset)}`);
  const steps = int(o, 'steps', 0, Number.MAX_SAFE_INTEGER);
  const seed = int(o, 'seed', 0, 2 ** 31 - 1);
  const norm = o.normalization as Record<string, unknown> | null | undefined;
  if (norm === null || typeof norm !== 'object') fail('normalization', 'normalization must be {mean, std}');
  const mean = numbers(norm!.mean, 'normalization.mean', channels, false);
  const std = numbers(norm!.std, 'normalization.std', channels, true);
  const scenario = o.scenario ?? 'sl';
  if (scenario !== 'sl' && scenario !== 'ssl')
    fail('scenario', `scenario must be sl or ssl; got ${JSON.stringify(scenario)}`);
  if (typeof o.createdAt !== 'string')
    fail('createdAt', `createdAt must be an ISO date string; got ${JSON.stringify(o.createdAt)}`);
  let specs: WeightSpec[] = [];
  try {
    specs = parseWeightSpecs(o.weightSpecs, 'weightSpecs');
    const arch = { channels, width, mixerStage, mixerVariant: variant as MixerVariant };
    checkExpectedSpecs(
      specs,
      expectedMixerSpecs(arch),
      `the manifest (${String(variant)} Mixer on stage ${mixerStage}, width ${width}, ${channels} channel${channels > 1 ? 's' : ''})`,
    );
  } catch (e) {
    if (e instanceof WeightsFormatError) fail(e.field, `weightSpecs: ${e.message}`);
    throw e;
  }
  return {
    format: MIXER_FORMAT,
    version: MIXER_VERSION,
    inputShape: [h, wd, c],
    channels,
    mixerStage,
    mixerVariant: variant as MixerVariant,
    lamMulK: o.lamMulK as number,
    mixerLocal: o.mixerLocal === true,
    maskFit: o.maskFit === true,
    width,
    sourceDataset: o.sourceDataset as string,
    steps,
    seed,
    normalization: { mean, std },
    scenario: scenario as 'sl' | 'ssl',
    weightSpecs: specs,
    createdAt: o.createdAt as string,
  };
}

/**
 * A whole bundle: the manifest (parsed JSON) and weights.bin, validated together.
 * @throws WeightsFormatError naming the field or weight (`field`), message prefixed "mixer bundle:"
 */
export function readMixerBundle(manifest: unknown, weights: Uint8Array): MixerBundle {
  const m = parseMixerManifest(manifest);
  try {
    checkByteLength(m.weightSpecs, weights.byteLength, 'weights.bin');
  } catch (e) {
    if (e instanceof WeightsFormatError)
      fail(e.field, `${e.message} (manifest.json and weights.bin do not match)`);
    throw e;
  }
  checkFinite(m.weightSpecs, weights);
  return { manifest: m, weights };
}

/** Refuses weights holding NaN or ±Infinity, naming the first weight that does (a diverged export). */
function checkFinite(specs: MixerManifest['weightSpecs'], weights: Uint8Array): void {
  const aligned = weights.byteOffset % 4 === 0 ? weights : weights.slice();
  const values = new Float32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4));
  let at = 0;
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    for (let i = at; i < at + n; i++)
      if (!Number.isFinite(values[i]))
        fail(
          spec.name,
          `weights.bin: ${spec.name} holds ${values[i]} at index ${i - at}: the Mixer was exported from a diverged run; export it again from a healthy run`,
        );
    at += n;
  }
}

/**
 * Can a run on images `[H, W, C]` use this bundle? Size always (the frozen path resizes); channels
 * when equal or 1 → 3 (grayscale replicated). @returns null, or the reason naming `channels`
 */
export function channelMismatch(m: Pick<MixerManifest, 'channels'>, dataChannels: number): string | null {
  if (dataChannels === m.channels || (dataChannels === 1 && m.channels === 3)) return null;
  return `mixer bundle: channels ${m.channels} of the bundle cannot read ${dataChannels}-channel images (grayscale is replicated to RGB, but RGB cannot feed a grayscale encoder); pre-train the Mixer on ${dataChannels}-channel data`;
}
