/**
 * SAMix^P Mixer bundles on disk for the headless commands: `--save-mixer PATH` writes a folder with
 * manifest.json + weights.bin, or ONE zip of the two when PATH ends in `.zip` (the file the browser
 * downloads and imports); `--mixer PATH` reads either. Bad bundles throw a UsageError naming the path
 * and the field (exit code 2). Node-only (fs); no TF.js.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MixerBundle } from '../core/weights/mixerManifest';
import { WeightsFormatError } from '../core/weights/weightSpecs';
import {
  bundleFromFiles,
  manifestText,
  MIXER_MANIFEST_FILE,
  MIXER_WEIGHTS_FILE,
  packMixerBundle,
  unpackMixerBundle,
} from '../export/mixerBundleFile';
import { UsageError } from './args';

/** Reads a bundle folder or zip. @param flag the flag that named it, for messages */
export function readMixerBundlePath(path: string, flag = '--mixer'): MixerBundle {
  if (!existsSync(path))
    throw new UsageError(
      `${flag} ${path}: no such file or folder (write one with --save-mixer on a samix run)`,
    );
  try {
    if (statSync(path).isDirectory()) {
      for (const f of [MIXER_MANIFEST_FILE, MIXER_WEIGHTS_FILE]) {
        if (!existsSync(join(path, f)))
          throw new UsageError(`${flag} ${path}: ${f} is missing from the folder`);
      }
      const manifest = readFileSync(join(path, MIXER_MANIFEST_FILE), 'utf8');
      const weights = new Uint8Array(readFileSync(join(path, MIXER_WEIGHTS_FILE)));
      return bundleFromFiles(manifest, weights, `${flag} ${path}`);
    }
    return unpackMixerBundle(new Uint8Array(readFileSync(path)), `${flag} ${path}`);
  } catch (e) {
    if (e instanceof WeightsFormatError) throw new UsageError(e.message);
    throw e;
  }
}

/** Writes a bundle as a folder, or as one zip when `path` ends in `.zip`. @returns what was written */
export function writeMixerBundlePath(path: string, b: MixerBundle): string {
  if (path.toLowerCase().endsWith('.zip')) {
    writeFileSync(path, packMixerBundle(b));
    return path;
  }
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, MIXER_MANIFEST_FILE), manifestText(b));
  writeFileSync(join(path, MIXER_WEIGHTS_FILE), b.weights);
  return `${join(path, MIXER_MANIFEST_FILE)} + ${MIXER_WEIGHTS_FILE}`;
}
