/**
 * The page's handle on the training worker (rule R4, docs/architecture.md): one TrainerClient (src/client) per
 * forced backend, connected while the page is mounted, read through `useSyncExternalStore`.
 * Components never touch `Worker`. `useTrainerSlice` lets a panel re-render only when its slice
 * of the run state changes.
 */
import { createContext, useContext, useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { BackendName } from '../core/config';
import { TrainerClient, type TrainerView } from '../client/trainerClient';
import type { TrainerActions } from '../client/trainerActions';
import { testHooksWanted } from '../client/testHooks';

export type {
  CompareState,
  DataImportState,
  DataLoadState,
  LiveMark,
  RunData,
  Traffic,
  TrainerState,
} from '../client/runState';
export { MAX_POINTS } from '../client/applyMessage';
export type { TrainerActions } from '../client/trainerActions';
export type { TrainerView } from '../client/trainerClient';

/** Run state, data, recovery and the actions: a new object whenever the state changes. */
export type TrainerApi = TrainerView & TrainerActions & { client: TrainerClient };

/** The page's trainer client, for panels that subscribe to a slice (`useTrainerSlice`). */
export const TrainerClientContext = createContext<TrainerClient | null>(null);

export function useTrainer(forcedBackend: BackendName | null): TrainerApi {
  const client = useMemo(
    () =>
      new TrainerClient({ forcedBackend, testHooks: testHooksWanted(location.search, navigator.webdriver) }),
    [forcedBackend],
  );
  useEffect(() => {
    client.connect();
    return () => client.disconnect();
  }, [client]);
  // window.__samix for tests and the console (loaded only when wanted: src/client/testApi.ts).
  useEffect(() => {
    if (!testHooksWanted(location.search, navigator.webdriver)) return;
    let uninstall: (() => void) | null = null;
    let live = true;
    void import('../client/testApi').then((m) => {
      if (live) uninstall = m.installTestApi(client);
    });
    return () => {
      live = false;
      uninstall?.();
    };
  }, [client]);
  const view = useSyncExternalStore(client.watch, client.getSnapshot);
  return useMemo(() => ({ ...view, ...client.actions, client }), [view, client]);
}

/**
 * One slice of the run state, from the client in `TrainerClientContext`: the component re-renders
 * when `pick` returns a different value (by `Object.is`, or `same` when given).
 */
export function useTrainerSlice<T>(
  pick: (v: TrainerView) => T,
  same: (a: T, b: T) => boolean = Object.is,
): T {
  const client = useContext(TrainerClientContext);
  if (!client) throw new Error('useTrainerSlice needs a TrainerClientContext provider');
  const last = useRef<{ value: T } | null>(null);
  const read = (): T => {
    const value = client.select(pick);
    if (last.current && same(last.current.value, value)) return last.current.value;
    last.current = { value };
    return value;
  };
  return useSyncExternalStore(client.watch, read);
}

/** Equal when every own field is `Object.is`-equal (for slices that are small objects). */
export function sameFields<T extends object>(a: T, b: T): boolean {
  const ka = Object.keys(a) as Array<keyof T>;
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
}

/** The trainer's actions (stable), from the client in `TrainerClientContext`. */
export function useTrainerActions(): TrainerActions {
  const client = useContext(TrainerClientContext);
  if (!client) throw new Error('useTrainerActions needs a TrainerClientContext provider');
  return client.actions;
}
