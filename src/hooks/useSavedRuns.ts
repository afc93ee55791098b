/**
 * The runs kept in IndexedDB: list, save, rename, delete, open, and the browser's storage use.
 * Failures (a full quota, a corrupt bundle) become messages; nothing here stops a training.
 */
import { useCallback, useEffect, useState } from 'react';
import { readRunBundle, type RunBundle } from '../export/runBundle';
import { RunStore, type RunDelta, type RunSummary, type StoredRun } from '../ui/runStore';

/** How a save of the live run went: written, refused as stale (save in full), or failed (message shown). */
export type SaveOutcome = 'ok' | 'stale' | 'failed';

export interface SavedRunsApi {
  runs: StoredRun[];
  usage: { used: number; quota: number } | null;
  message: string;
  /** The last save failed because the browser's storage is full (RunsPanel offers to free space). */
  full: boolean;
  /** Deletes the oldest stored runs (not the live one) and saves the run that did not fit again. */
  freeSpace(): Promise<void>;
  save(summary: RunSummary, bundle: Uint8Array): Promise<void>;
  /** Saves the live run in parts (the autosave: only what is new since its last save). */
  saveParts(summary: RunSummary, delta: RunDelta): Promise<SaveOutcome>;
  rename(id: string, name: string): Promise<void>;
  remove(id: string): Promise<void>;
  open(id: string): Promise<RunBundle | null>;
  download(id: string): Promise<Uint8Array | null>;
  importBundle(file: File): Promise<{ summary: RunSummary; bundle: RunBundle } | null>;
  dismiss(): void;
}

export function useSavedRuns(): SavedRunsApi {
  const [store, setStore] = useState<RunStore | null>(null);
  const [runs, setRuns] = useState<StoredRun[]>([]);
  const [usage, setUsage] = useState<{ used: number; quota: number } | null>(null);
  const [message, setMessage] = useState('');
  const [pending, setPending] = useState<{ summary: RunSummary; bundle: Uint8Array | RunDelta } | null>(null);

  const refresh = useCallback(async (s: RunStore) => {
    setRuns(await s.list());
    const est = await navigator.storage?.estimate?.();
    if (est) setUsage({ used: est.usage ?? 0, quota: est.quota ?? 0 });
  }, []);

  useEffect(() => {
    RunStore.open()
      .then(async (s) => {
        setStore(s);
        await refresh(s);
      })
      .catch((e: unknown) => setMessage(`Saved runs are unavailable: ${String(e)}`));
  }, [refresh]);

  const guard = useCallback(
    async <T>(what: string, fn: (s: RunStore) => Promise<T>): Promise<T | null> => {
      if (!store) return null;
      try {
        const r = await fn(store);
        await refresh(store);
        return r;
      } catch (e) {
        setMessage(`${what}: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      }
    },
    [store, refresh],
  );

  const write = useCallback(
    async (summary: RunSummary, bundle: Uint8Array | RunDelta): Promise<SaveOutcome> => {
      if (!store) return 'failed';
      try {
        const removed =
          bundle instanceof Uint8Array
            ? await store.save(summary, bundle)
            : await store.saveParts(summary, bundle);
        setPending(null);
        await refresh(store);
        if (removed.length)
          setMessage(`Storage bound reached: removed the oldest runs (${removed.join(', ')}).`);
        return 'ok';
      } catch (e) {
        if (e instanceof Error && e.name === 'StaleSaveError') return 'stale';
        // A full quota: keep what did not fit so "free space" can save it; the training goes on.
        if (e instanceof Error && e.name === 'StorageFullError') setPending({ summary, bundle });
        setMessage(`Saving the run: ${e instanceof Error ? e.message : String(e)}`);
        return 'failed';
      }
    },
    [store, refresh],
  );
  const save = useCallback(
    async (summary: RunSummary, bundle: Uint8Array) => void (await write(summary, bundle)),
    [write],
  );
  const saveParts = useCallback((summary: RunSummary, delta: RunDelta) => write(summary, delta), [write]);
  const freeSpace = useCallback(async () => {
    if (!store) return;
    const keep = pending?.summary.id ?? null;
    const runsNow = await store.list();
    const removed = await store.removeOldest(Math.max(1, Math.ceil(runsNow.length / 2)), keep);
    setMessage(removed.length ? `Deleted ${removed.join(', ')} to free space.` : 'No older runs to delete.');
    await refresh(store);
    if (pending) await write(pending.summary, pending.bundle);
  }, [store, pending, refresh, write]);
  const rename = useCallback(
    async (id: string, name: string) => void (await guard('Renaming', (s) => s.rename(id, name))),
    [guard],
  );
  const remove = useCallback(
    async (id: string) => void (await guard('Deleting', (s) => s.remove(id))),
    [guard],
  );
  const open = useCallback((id: string) => guard('Opening the run', (s) => s.open(id)), [guard]);
  const download = useCallback((id: string) => guard('Exporting the run', (s) => s.bundle(id)), [guard]);
  const importBundle = useCallback(
    async (file: File) => {
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const bundle = readRunBundle(bytes);
        const last = bundle.evals[bundle.evals.length - 1];
        const summary: RunSummary = {
          id: `import-${Date.now()}`,
          name: file.name.replace(/\.zip$/i, ''),
          method: bundle.config.method,
          dataset: bundle.config.dataset,
          steps: bundle.metrics[bundle.metrics.length - 1]?.step ?? 0,
          finalAccQ: last?.testAccQ ?? NaN,
          createdAt: Date.now(),
        };
        await save(summary, bytes);
        return { summary, bundle };
      } catch (e) {
        setMessage(`${file.name}: ${e instanceof Error ? e.message : String(e)} — nothing was imported.`);
        return null;
      }
    },
    [save],
  );
  const dismiss = useCallback(() => setMessage(''), []);
  const full = pending !== null;
  return {
    runs,
    usage,
    message,
    full,
    freeSpace,
    save,
    saveParts,
    rename,
    remove,
    open,
    download,
    importBundle,
    dismiss,
  };
}
