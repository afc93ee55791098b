/**
 * Stored SAMix^P Mixer bundles in IndexedDB (database `samix-mixers`): one record per bundle, its
 * manifest as the record's meta and weights.bin as its bytes, written in one transaction (a bundle is
 * stored whole or not at all). Reading re-validates the pair, so a damaged record is reported by
 * name. Used in the worker; also the in-memory cache a samixp run's trainer is built from.
 */
import type { RunConfig } from '../core/config';
import { readMixerBundle, type MixerBundle, type MixerManifest } from '../core/weights/mixerManifest';
import { describeBundle } from '../export/mixerBundleFile';
import { KvStore } from '../storage/kv';
import type { StoredMixerSummary } from './mixerProtocol';

/** What the handler needs from the store (tests give a fake). */
export interface MixerStoreLike {
  put(name: string, b: MixerBundle): Promise<void>;
  get(name: string): Promise<MixerBundle | undefined>;
  list(): Promise<StoredMixerSummary[]>;
  delete(name: string): Promise<void>;
}

/** A bundle name: what the config field and the list show. */
export function checkBundleName(name: string): string {
  const n = name.trim();
  if (n === '' || n.length > 100 || !/^[\w.\- ]+$/.test(n))
    throw new Error(
      `bundle name "${name}" must be 1–100 letters, digits, spaces, dots, dashes or underscores`,
    );
  return n;
}

function summary(name: string, manifest: MixerManifest, size: number, savedAt: number): StoredMixerSummary {
  const { weightSpecs: _specs, ...rest } = manifest;
  return { name, size, savedAt, description: describeBundle({ manifest }), manifest: rest };
}

export class MixerStore implements MixerStoreLike {
  private constructor(private readonly kv: KvStore<MixerManifest>) {}

  static async open(idb?: IDBFactory): Promise<MixerStore> {
    return new MixerStore(await KvStore.open<MixerManifest>('samix-mixers', idb));
  }

  async put(name: string, b: MixerBundle): Promise<void> {
    await this.kv.put(checkBundleName(name), b.manifest, [b.weights]);
  }

  async get(name: string): Promise<MixerBundle | undefined> {
    const r = await this.kv.get(name);
    if (!r) return undefined;
    const weights = r.bytes.length === 1 ? r.bytes[0] : new Uint8Array(0);
    try {
      return readMixerBundle(r.meta, weights);
    } catch (e) {
      throw new Error(
        `stored bundle "${name}" is damaged (${(e as Error).message}); delete it and import it again`,
      );
    }
  }

  async list(): Promise<StoredMixerSummary[]> {
    const all = await this.kv.list();
    return all.map((r) => summary(r.key, r.meta, r.size, r.savedAt)).sort((a, b) => b.savedAt - a.savedAt);
  }

  delete(name: string): Promise<void> {
    return this.kv.delete(name);
  }
}

/** The summary of a bundle about to be stored (for the `mixerImported` answer). */
export function bundleSummary(name: string, b: MixerBundle): StoredMixerSummary {
  return summary(name, b.manifest, b.weights.byteLength, Date.now());
}

/**
 * The bundles runs are built from: `prepare` loads (and validates) a samixp run's bundle from the
 * store before the trainer is created; `bundleFor` hands it to the (synchronous) trainer factory.
 */
export class RunBundles {
  private loaded: { name: string; bundle: MixerBundle } | null = null;
  constructor(private readonly store: () => Promise<MixerStoreLike>) {}

  async prepare(cfg: Pick<RunConfig, 'method' | 'mixerBundle'>): Promise<void> {
    if (cfg.method !== 'samixp') return;
    if (cfg.mixerBundle === '')
      throw new Error(
        'method samixp needs a pre-trained Mixer bundle (mixerBundle is empty): pick or import one in the Mixer bundles panel, or export one from a SAMix run',
      );
    if (this.loaded?.name === cfg.mixerBundle) return;
    const b = await (await this.store()).get(cfg.mixerBundle);
    if (!b)
      throw new Error(
        `mixerBundle "${cfg.mixerBundle}" is not stored in this browser: import the bundle file or export one from a SAMix run`,
      );
    this.loaded = { name: cfg.mixerBundle, bundle: b };
  }

  bundleFor(cfg: Pick<RunConfig, 'method' | 'mixerBundle'>): MixerBundle | undefined {
    return cfg.method === 'samixp' && this.loaded?.name === cfg.mixerBundle ? this.loaded.bundle : undefined;
  }

  /** Forget a cached bundle (after it was deleted or replaced). */
  forget(name: string): void {
    if (this.loaded?.name === name) this.loaded = null;
  }
}
