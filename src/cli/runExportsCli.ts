/**
 * The headless side of SAMix^P and of the weight exports: `--mixer PATH` (the bundle a samixp run
 * loads), `--save-mixer PATH` (a SAMix/AutoMix run's bundle, written after training) and
 * `--save-weights DIR` (the online classifier's model.json + weights.bin). Validation happens before
 * any training; a bad flag or bundle is a UsageError (exit code 2) naming the flag and the field.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEARNED_METHODS, type RunConfig } from '../core/config';
import { Trainer } from '../core/trainer';
import type { MixerBundle } from '../core/weights/mixerManifest';
import { WeightsFormatError } from '../core/weights/weightSpecs';
import type { ImageDataset } from '../data/types';
import { UsageError } from './args';
import { readMixerBundlePath, writeMixerBundlePath } from './mixerFiles';

export interface ExportFlags {
  saveMixer?: string;
  saveWeights?: string;
}

/** Cross-checks the method against --mixer / --save-mixer before anything is loaded. */
export function checkExportFlags(cfg: RunConfig, f: ExportFlags): void {
  if (cfg.method === 'samixp' && cfg.mixerBundle === '')
    throw new UsageError(
      '--method samixp needs --mixer PATH: a Mixer bundle folder or .zip written by --save-mixer on a samix or automix run',
    );
  if (cfg.method !== 'samixp' && cfg.mixerBundle !== '')
    throw new UsageError(`--mixer is only used by --method samixp; got --method ${cfg.method}`);
  if (f.saveMixer !== undefined && !LEARNED_METHODS.includes(cfg.method))
    throw new UsageError(
      `--save-mixer needs a run that trains a Mixer (--method ${LEARNED_METHODS.join(' or ')}); got --method ${cfg.method}`,
    );
  if (f.saveWeights !== undefined && cfg.scenario === 'ssl')
    throw new UsageError('--save-weights writes a classifier; --scenario ssl trains none (use --save-mixer)');
  if (f.saveMixer === '')
    throw new UsageError('--save-mixer needs a path (a folder, or a file ending in .zip)');
  if (f.saveWeights === '') throw new UsageError('--save-weights needs a folder path');
}

/** The supervised trainer of a run; samixp loads and validates its bundle first (exit 2 when bad). */
export function createSlTrainer(cfg: RunConfig, ds: ImageDataset): Trainer {
  if (cfg.method !== 'samixp') return new Trainer(cfg, ds);
  const mixerBundle = readMixerBundlePath(cfg.mixerBundle);
  try {
    return new Trainer(cfg, ds, { mixerBundle });
  } catch (e) {
    if (e instanceof WeightsFormatError) throw new UsageError(`--mixer ${cfg.mixerBundle}: ${e.message}`);
    throw e;
  }
}

/** What a finished run offers for the exports (Trainer; SslTrainer has the Mixer bundle only). */
interface ExportingTrainer {
  exportMixerBundle(): Promise<MixerBundle>;
  exportClassifierWeights?(): Promise<{ modelJson: object; weightsBin: Uint8Array }>;
}

/** After training: writes what --save-mixer / --save-weights asked for. @returns log lines */
export async function writeRunExports(trainer: ExportingTrainer, f: ExportFlags): Promise<string[]> {
  const lines: string[] = [];
  if (f.saveMixer) {
    const b = await trainer.exportMixerBundle();
    lines.push(`saved the Mixer bundle to ${writeMixerBundlePath(f.saveMixer, b)}`);
  }
  if (f.saveWeights && trainer.exportClassifierWeights) {
    const { modelJson, weightsBin } = await trainer.exportClassifierWeights();
    mkdirSync(f.saveWeights, { recursive: true });
    writeFileSync(join(f.saveWeights, 'model.json'), `${JSON.stringify(modelJson, null, 2)}\n`);
    writeFileSync(join(f.saveWeights, 'weights.bin'), weightsBin);
    lines.push(`saved the classifier weights to ${join(f.saveWeights, 'model.json')} + weights.bin`);
  }
  return lines;
}
