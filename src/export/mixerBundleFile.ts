/**
 * The SAMix^P Mixer bundle as files: a folder with `manifest.json` + `weights.bin`, or the same two
 * files in ONE zip (what the browser downloads and imports, and what `--save-mixer x.zip` writes).
 * Reading validates everything (core/weights/mixerManifest.ts) and names the file or field at fault;
 * no TF.js here.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { readMixerBundle, type MixerBundle } from '../core/weights/mixerManifest';
import { WeightsFormatError } from '../core/weights/weightSpecs';

export const MIXER_MANIFEST_FILE = 'manifest.json';
export const MIXER_WEIGHTS_FILE = 'weights.bin';
/** Suggested file name ending of a one-file bundle. */
export const MIXER_ZIP_SUFFIX = '.mixer.zip';

/** manifest.json's text (pretty-printed, stable key order as written). */
export function manifestText(b: MixerBundle): string {
  return `${JSON.stringify(b.manifest, null, 2)}\n`;
}

/** One zip holding manifest.json and weights.bin (stored, not compressed: weights do not shrink). */
export function packMixerBundle(b: MixerBundle): Uint8Array {
  return zipSync(
    { [MIXER_MANIFEST_FILE]: strToU8(manifestText(b)), [MIXER_WEIGHTS_FILE]: b.weights },
    { level: 0 },
  );
}

/**
 * Validates manifest.json's text and weights.bin's bytes as one bundle.
 * @param where the bundle's name in messages (file or folder)
 */
export function bundleFromFiles(manifestJson: string, weights: Uint8Array, where: string): MixerBundle {
  let raw: unknown;
  try {
    raw = JSON.parse(manifestJson);
  } catch (e) {
    throw new WeightsFormatError(
      MIXER_MANIFEST_FILE,
      `${where}: ${MIXER_MANIFEST_FILE} is not valid JSON (${(e as Error).message.split('\n')[0]})`,
    );
  }
  try {
    return readMixerBundle(raw, weights);
  } catch (e) {
    if (e instanceof WeightsFormatError) throw new WeightsFormatError(e.field, `${where}: ${e.message}`);
    throw e;
  }
}

/** Reads a one-file bundle (zip). @param name the file's name in messages */
export function unpackMixerBundle(bytes: Uint8Array, name: string): MixerBundle {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch {
    throw new WeightsFormatError(
      name,
      `${name} is not a Mixer bundle: expected a zip with ${MIXER_MANIFEST_FILE} and ${MIXER_WEIGHTS_FILE}`,
    );
  }
  // Accept the two files at the top level or in one folder (a zipped export folder).
  const find = (file: string): Uint8Array | undefined =>
    files[file] ?? Object.entries(files).find(([k]) => k.endsWith(`/${file}`))?.[1];
  const manifest = find(MIXER_MANIFEST_FILE);
  const weights = find(MIXER_WEIGHTS_FILE);
  for (const [file, data] of [
    [MIXER_MANIFEST_FILE, manifest],
    [MIXER_WEIGHTS_FILE, weights],
  ] as const) {
    if (!data) throw new WeightsFormatError(file, `${name}: ${file} is missing from the bundle`);
  }
  return bundleFromFiles(strFromU8(manifest!), weights!, name);
}

/** A one-line description of a bundle for lists (variant, source, size, steps). */
export function describeBundle(b: Pick<MixerBundle, 'manifest'>): string {
  const m = b.manifest;
  const [h, w, c] = m.inputShape;
  return `${m.mixerVariant} Mixer, stage ${m.mixerStage}, width ${m.width}, ${m.sourceDataset} ${h}×${w}×${c} (${m.scenario.toUpperCase()}), ${m.steps} steps, seed ${m.seed}`;
}
