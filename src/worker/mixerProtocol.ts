/**
 * The SAMix^P Mixer-bundle and weight-export messages between the page and the worker (members of
 * the unions in protocol.ts). Types only: both sides import this file, so it must not import TF.js.
 *
 * - `exportMixer`: the current run's Mixer bundle (SAMix/AutoMix runs) as one zip file for download,
 *   stored in IndexedDB under `name` when `store` is set.
 * - `importMixer`: a bundle file (zip) picked by the user, validated whole, then stored under `name`.
 * - `listMixers` / `deleteMixer`: the stored bundles (answered with `mixers`).
 * - `exportWeights`: the current run's online classifier as model.json + weights.bin (tfjs format).
 * Failures come back as `mixerFailed` with the request id and a message naming the field.
 */
import type { MixerManifest } from '../core/weights/mixerManifest';

/** An error as it crosses the worker boundary (both protocols use it). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** A stored bundle as the page lists it (no weights). */
export interface StoredMixerSummary {
  name: string;
  /** Bytes of weights.bin. */
  size: number;
  savedAt: number;
  /** One line: variant, stage, width, source dataset and size, steps, seed. */
  description: string;
  manifest: Omit<MixerManifest, 'weightSpecs'>;
}

export type MixerToWorker =
  | { type: 'exportMixer'; requestId: number; name: string; store: boolean }
  | { type: 'importMixer'; requestId: number; name: string; bytes: Uint8Array }
  | { type: 'listMixers' }
  | { type: 'deleteMixer'; name: string }
  | { type: 'exportWeights'; requestId: number };

export type MixerFromWorker =
  | { type: 'mixers'; entries: StoredMixerSummary[] }
  | { type: 'mixerExported'; requestId: number; name: string; fileName: string; bytes: Uint8Array }
  | { type: 'mixerImported'; requestId: number; entry: StoredMixerSummary }
  | {
      type: 'weightsExported';
      requestId: number;
      /** model.json text (tfjs weights manifest + model facts). */
      modelJson: string;
      weightsBin: Uint8Array;
    }
  | { type: 'mixerFailed'; requestId: number; error: SerializedError };

/** Every `type` of MixerToWorker (the handler routes these to mixerMessages.ts). */
export const MIXER_MESSAGE_TYPES = [
  'exportMixer',
  'importMixer',
  'listMixers',
  'deleteMixer',
  'exportWeights',
] as const;
