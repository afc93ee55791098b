/**
 * The runs kept in IndexedDB: list, save, rename, delete, open, and the browser's storage use.
 * Failures (a full quota, a corrupt bundle) become messages; nothing here stops a training.
 */
import { useCallback, useEffect, useState } from 'react';
import { readRunBundle, type RunBundle } from '../export/runBundle';
import { RunStore, type RunSummary, type StoredRun } from '../ui/runStore';

export interface SavedRunsApi {
  runs: StoredRun[];
  usage: { used: number; quota: number } | null;
  message: string;
  save(summary: RunSummary, bundle: Uint8Array): Promise<void>;
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

  const save = useCallback(
    async (summary: RunSummary, bundle: Uint8Array) => {
      const removed = await guard('Saving the run', (s) => s.save(summary, bundle));
      if (removed && removed.length)
        setMessage(`Storage bound reached: removed the oldest runs (${removed.join(', ')}).`);
    },
    [guard],
  );
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
  return { runs, usage, message, save, rename, remove, open, download, importBundle, dismiss };
}
