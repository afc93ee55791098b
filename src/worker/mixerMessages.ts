/**
 * The worker's side of the Mixer-bundle and weight-export messages (mixerProtocol.ts). Exports run
 * after every earlier trainer operation (`exclusive`), read the run's weights without changing
 * them, and never disturb a running run: a failure is answered with `mixerFailed` naming the field,
 * and an import is validated whole before anything is stored.
 */
import type { MixerBundle } from '../core/weights/mixerManifest';
import { MIXER_ZIP_SUFFIX, packMixerBundle, unpackMixerBundle } from '../export/mixerBundleFile';
import type { MixerToWorker } from './mixerProtocol';
import { bundleSummary, checkBundleName, type MixerStoreLike } from './mixerStore';
import { serializeError, type Post } from './protocol';

/** What a trainer must offer for the exports (core/trainer.ts does). */
interface Exporting {
  exportMixerBundle?(): Promise<MixerBundle>;
  exportClassifierWeights?(): Promise<{ modelJson: object; weightsBin: Uint8Array }>;
}

export interface MixerContext {
  post: Post;
  /** The current run's trainer, or null. */
  trainer(): unknown;
  /** Runs `fn` after every earlier trainer operation (runState.ts `exclusive`). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** The bundle store (absent where IndexedDB is not available). */
  store?: () => Promise<MixerStoreLike>;
  /** A stored bundle changed or went away (drop cached copies). */
  changed?(name: string): void;
}

async function storeOf(c: MixerContext): Promise<MixerStoreLike> {
  if (!c.store) throw new Error('Mixer bundles cannot be stored: IndexedDB is not available here');
  return c.store();
}

async function postList(c: MixerContext): Promise<void> {
  if (!c.store) return;
  c.post({ type: 'mixers', entries: await (await c.store()).list() });
}

function current(c: MixerContext, what: string): Exporting {
  const t = c.trainer() as Exporting | null;
  if (!t) throw new Error(`there is no run to export ${what} from: start a run first`);
  return t;
}

export async function handleMixerMessage(msg: MixerToWorker, c: MixerContext): Promise<void> {
  const requestId = 'requestId' in msg ? msg.requestId : -1;
  try {
    switch (msg.type) {
      case 'listMixers':
        await postList(c);
        return;
      case 'deleteMixer':
        await (await storeOf(c)).delete(msg.name);
        c.changed?.(msg.name);
        await postList(c);
        return;
      case 'importMixer': {
        const name = checkBundleName(msg.name);
        const bundle = unpackMixerBundle(msg.bytes, `${name}${MIXER_ZIP_SUFFIX}`); // throws naming the field
        await (await storeOf(c)).put(name, bundle);
        c.changed?.(name);
        c.post({ type: 'mixerImported', requestId, entry: bundleSummary(name, bundle) });
        await postList(c);
        return;
      }
      case 'exportMixer': {
        const name = checkBundleName(msg.name);
        const bundle = await c.exclusive(async () => {
          const t = current(c, 'a Mixer bundle');
          if (!t.exportMixerBundle)
            throw new Error('this run has no Mixer bundle export (train samix or automix)');
          return t.exportMixerBundle();
        });
        if (msg.store) {
          await (await storeOf(c)).put(name, bundle);
          c.changed?.(name);
        }
        const bytes = packMixerBundle(bundle);
        c.post({ type: 'mixerExported', requestId, name, fileName: `${name}${MIXER_ZIP_SUFFIX}`, bytes }, [
          bytes.buffer,
        ]);
        if (msg.store) await postList(c);
        return;
      }
      case 'exportWeights': {
        const w = await c.exclusive(async () => {
          const t = current(c, 'weights');
          if (!t.exportClassifierWeights) throw new Error('this run has no weight export');
          return t.exportClassifierWeights();
        });
        c.post(
          {
            type: 'weightsExported',
            requestId,
            modelJson: `${JSON.stringify(w.modelJson, null, 2)}\n`,
            weightsBin: w.weightsBin,
          },
          [w.weightsBin.buffer],
        );
        return;
      }
    }
  } catch (e) {
    c.post({ type: 'mixerFailed', requestId, error: serializeError(e) });
  }
}
