import { describe, expect, it } from 'vitest';
import { expectedMixerSpecs, readMixerBundle, type MixerBundle } from '../core/weights/mixerManifest';
import { totalBytes } from '../core/weights/weightSpecs';
import { packMixerBundle } from '../export/mixerBundleFile';
import { handleMixerMessage, type MixerContext } from './mixerMessages';
import type { MixerFromWorker, StoredMixerSummary } from './mixerProtocol';
import { RunBundles, type MixerStoreLike } from './mixerStore';
import type { FromWorker } from './protocol';

/** A valid bundle without TF.js: the manifest's weights, all zero. */
function zeroBundle(): MixerBundle {
  const arch = { channels: 3, width: 4, mixerStage: 3, mixerVariant: 'samix' as const };
  const weightSpecs = expectedMixerSpecs(arch);
  const manifest = {
    format: 'samix-mixer',
    version: 1,
    inputShape: [16, 16, 3],
    ...arch,
    lamMulK: 0.25,
    sourceDataset: 'shapes',
    steps: 150,
    seed: 1,
    normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    scenario: 'sl',
    weightSpecs,
    createdAt: '2026-11-28T00:00:00.000Z',
  };
  return readMixerBundle(manifest, new Uint8Array(totalBytes(weightSpecs)));
}

class FakeStore implements MixerStoreLike {
  readonly records = new Map<string, MixerBundle>();
  put(name: string, b: MixerBundle): Promise<void> {
    this.records.set(name, b);
    return Promise.resolve();
  }
  get(name: string): Promise<MixerBundle | undefined> {
    return Promise.resolve(this.records.get(name));
  }
  list(): Promise<StoredMixerSummary[]> {
    return Promise.resolve(
      [...this.records.keys()].map((name) => ({
        name,
        size: 0,
        savedAt: 0,
        description: '',
        manifest: {} as never,
      })),
    );
  }
  delete(name: string): Promise<void> {
    this.records.delete(name);
    return Promise.resolve();
  }
}

function setup(trainer: unknown = null) {
  const store = new FakeStore();
  const posted: FromWorker[] = [];
  const changed: string[] = [];
  const c: MixerContext = {
    post: (m) => posted.push(m),
    trainer: () => trainer,
    exclusive: (fn) => fn(),
    store: () => Promise.resolve(store),
    changed: (n) => changed.push(n),
  };
  return { store, posted, changed, c };
}

const failed = (posted: FromWorker[]) =>
  posted.filter((m): m is Extract<MixerFromWorker, { type: 'mixerFailed' }> => m.type === 'mixerFailed');

describe('Mixer bundle messages in the worker', () => {
  it('imports a valid bundle file: stored under its name, answered and listed', async () => {
    const { store, posted, changed, c } = setup();
    await handleMixerMessage(
      { type: 'importMixer', requestId: 4, name: 'shapes-150', bytes: packMixerBundle(zeroBundle()) },
      c,
    );
    expect(store.records.has('shapes-150')).toBe(true);
    const imported = posted.find((m) => m.type === 'mixerImported');
    expect(imported).toMatchObject({ requestId: 4, entry: { name: 'shapes-150' } });
    expect(posted.some((m) => m.type === 'mixers' && m.entries.length === 1)).toBe(true);
    expect(changed).toEqual(['shapes-150']);
  });

  it('refuses a bad file whole: a message naming the file or field, nothing stored', async () => {
    const { store, posted, c } = setup();
    await handleMixerMessage(
      { type: 'importMixer', requestId: 1, name: 'x', bytes: new Uint8Array([1, 2]) },
      c,
    );
    const b = zeroBundle();
    const newer = { ...b, manifest: { ...b.manifest, version: 2 } } as unknown as MixerBundle;
    const zip = (() => {
      try {
        return packMixerBundle(newer);
      } catch {
        return new Uint8Array();
      }
    })();
    await handleMixerMessage({ type: 'importMixer', requestId: 2, name: 'y', bytes: zip }, c);
    await handleMixerMessage(
      { type: 'importMixer', requestId: 3, name: 'bad/name', bytes: packMixerBundle(b) },
      c,
    );
    const f = failed(posted);
    expect(f.map((m) => m.requestId)).toEqual([1, 2, 3]);
    expect(f[0].error.message).toMatch(/x\.mixer\.zip is not a Mixer bundle/);
    expect(f[1].error.message).toMatch(/version 2 is newer than this app reads/);
    expect(f[2].error.message).toMatch(/bundle name "bad\/name"/);
    expect(store.records.size).toBe(0);
  });

  it('exports the current run: a zip for download, stored when asked; no run → a clear failure', async () => {
    const none = setup(null);
    await handleMixerMessage({ type: 'exportMixer', requestId: 7, name: 'a', store: true }, none.c);
    expect(failed(none.posted)[0].error.message).toMatch(/there is no run to export a Mixer bundle from/);
    const bundle = zeroBundle();
    const erm = setup({});
    await handleMixerMessage({ type: 'exportMixer', requestId: 8, name: 'a', store: true }, erm.c);
    expect(failed(erm.posted)[0].error.message).toMatch(/no Mixer bundle export/);
    const { store, posted, c } = setup({ exportMixerBundle: () => Promise.resolve(bundle) });
    await handleMixerMessage({ type: 'exportMixer', requestId: 9, name: 'run 1', store: true }, c);
    const out = posted.find((m) => m.type === 'mixerExported');
    expect(out).toMatchObject({ requestId: 9, fileName: 'run 1.mixer.zip' });
    expect(store.records.get('run 1')?.manifest.steps).toBe(150);
  });

  it('a samixp run loads its bundle before the trainer is built, with clear messages when it cannot', async () => {
    const store = new FakeStore();
    const runs = new RunBundles(() => Promise.resolve(store));
    await expect(runs.prepare({ method: 'samixp', mixerBundle: '' })).rejects.toThrow(/mixerBundle is empty/);
    await expect(runs.prepare({ method: 'samixp', mixerBundle: 'gone' })).rejects.toThrow(
      /mixerBundle "gone" is not stored in this browser/,
    );
    await store.put('b', zeroBundle());
    await runs.prepare({ method: 'samixp', mixerBundle: 'b' });
    expect(runs.bundleFor({ method: 'samixp', mixerBundle: 'b' })?.manifest.sourceDataset).toBe('shapes');
    expect(runs.bundleFor({ method: 'samix', mixerBundle: 'b' })).toBeUndefined();
    runs.forget('b');
    expect(runs.bundleFor({ method: 'samixp', mixerBundle: 'b' })).toBeUndefined();
    await runs.prepare({ method: 'erm', mixerBundle: '' }); // other methods need nothing
  });
});
