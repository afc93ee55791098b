/**
 * What the page can ask of the training worker: each action updates the run's refs and state and
 * posts one typed message. Built once per useTrainer from the supervisor's stable refs and
 * `setState`, so every action keeps its identity for the hook's lifetime.
 */
import type { Dispatch, SetStateAction } from 'react';
import type { CompareEntry } from '../compare/types';
import { validateConfig, type LiveField, type RunConfig } from '../core/config';
import type { StepPart } from '../core/trainerTypes';
import type { ImportOptions, UserDataSource } from '../worker/userData';
import type { BenchRequest, FaultKind, FromWorker, ToWorker } from '../worker/protocol';
import { keepRun } from './keptRun';
import { emptyRunData, type RunData, type TrainerState } from './trainerState';
import type { TrainerRefs } from './useWorkerSupervisor';

export interface TrainerActions {
  start(config: RunConfig, autoRun: boolean): void;
  pause(): void;
  resume(): void;
  stepOnce(part?: StepPart): void;
  reset(): void;
  setLive(patch: Partial<Pick<RunConfig, LiveField>>): void;
  repickProbes(pairs: Array<[number, number]> | null): void;
  dismissError(index: number): void;
  runBench(request: BenchRequest): void;
  /** Runs the engine's correctness checks on the active backend (stops any run). */
  runSelfCheck(): void;
  importData(source: UserDataSource, options: ImportOptions): void;
  deleteDataset(name: string): void;
  runCompare(entries: CompareEntry[]): void;
  /** Test-only: makes the worker fail the way `kind` says (e2e, window.__samix). */
  injectFault(kind: FaultKind): void;
  /**
   * Continues run `key` from its latest good checkpoint (after a reload): `seed` is the run's saved
   * history (metrics, evals, masks), cut at the checkpoint when the worker answers `restored`.
   */
  resumeRun(key: string, config: RunConfig, seed: Partial<RunData> | null, autoRun: boolean): void;
  /**
   * Continues a shipped pre-trained run (public/runs/) from its checkpoint bytes as a new run:
   * `seed` is its history (shown at once), cut at the checkpoint when the worker answers `restored`.
   */
  openShippedRun(config: RunConfig, seed: Partial<RunData>, checkpoint: Uint8Array, autoRun: boolean): void;
  /** After divergence: back to the last good checkpoint, paused. */
  rollback(): void;
  /** Sends a message to the worker (panels with their own request/answer state: Mixer bundles). */
  send(msg: ToWorker): void;
  /** Listens to every worker message; returns the unsubscribe function. */
  subscribe(listener: (msg: FromWorker) => void): () => void;
}

export function makeTrainerActions(
  refs: TrainerRefs,
  setState: Dispatch<SetStateAction<TrainerState>>,
): TrainerActions {
  const { workerRef, runIdRef, dataRef, listenersRef, configRef, runKeyRef, keptRef, stateRef } = refs;
  /** Request id of the latest dataset import. */
  let importId = 0;
  const send = (msg: ToWorker): void => workerRef.current?.postMessage(msg);
  /** A new run `key` that continues from a checkpoint, its history `seed` on screen meanwhile. */
  const beginFromCheckpoint = (key: string, config: RunConfig, seed: Partial<RunData> | null): void => {
    runIdRef.current += 1;
    keptRef.current = keepRun(stateRef.current, refs, runIdRef.current);
    runKeyRef.current = key;
    configRef.current = config;
    dataRef.current = { ...emptyRunData(), ...seed };
    setState((s) => ({
      ...s,
      runId: runIdRef.current,
      step: 0,
      epoch: 0,
      probe: null,
      runKey: key,
      runConfig: config,
      checkpoint: null,
      divergence: null,
      restored: null,
      version: s.version + 1,
    }));
  };

  return {
    start(config, autoRun) {
      // Every field and cross-field rule, through the one validator; a refused start keeps the run.
      const { issues } = validateConfig({ ...config });
      if (config.method === 'samixp' && config.mixerBundle === '')
        issues.push({
          field: 'mixerBundle',
          message:
            'method samixp needs a pre-trained Mixer bundle: pick or import one in the Mixer bundles panel',
        });
      if (issues.length > 0) {
        const message = `Cannot start: ${issues.map((i) => i.message).join('; ')}`;
        setState((s) => ({ ...s, errors: [...s.errors, { name: 'ConfigError', message }] }));
        return;
      }
      runIdRef.current += 1;
      // Put aside until the worker answers: a refused start gives it back (keptRun.ts).
      keptRef.current = keepRun(stateRef.current, refs, runIdRef.current);
      // Unique across page sessions: checkpoints and the saved run are filed under it.
      runKeyRef.current = `run-${Date.now().toString(36)}-${runIdRef.current}`;
      configRef.current = config;
      dataRef.current = emptyRunData();
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        step: 0,
        epoch: 0,
        probe: null,
        runKey: runKeyRef.current,
        runConfig: config,
        checkpoint: null,
        divergence: null,
        restored: null,
        version: s.version + 1,
      }));
      send({ type: 'start', runId: runIdRef.current, config, autoRun, key: runKeyRef.current });
    },
    pause: () => send({ type: 'pause', runId: runIdRef.current }),
    resume: () => send({ type: 'resume', runId: runIdRef.current }),
    stepOnce: (part = 'both') => send({ type: 'step', runId: runIdRef.current, part }),
    reset() {
      runIdRef.current += 1;
      configRef.current = null;
      keptRef.current = null;
      dataRef.current = emptyRunData();
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        status: 'idle',
        step: 0,
        epoch: 0,
        probe: null,
        runConfig: null,
        version: s.version + 1,
      }));
      send({ type: 'reset', runId: runIdRef.current });
    },
    setLive: (patch) => send({ type: 'setLive', runId: runIdRef.current, patch }),
    repickProbes: (pairs) => send({ type: 'probe', runId: runIdRef.current, pairs }),
    dismissError: (index) => setState((s) => ({ ...s, errors: s.errors.filter((_, i) => i !== index) })),
    runBench(request) {
      setState((s) => ({ ...s, bench: { rows: [], done: false } }));
      send({ type: 'bench', request });
    },
    runSelfCheck() {
      setState((s) => ({ ...s, selfCheck: { results: [], done: false } }));
      send({ type: 'selfCheck' });
    },
    importData(source, options) {
      importId += 1;
      const requestId = importId;
      setState((s) => ({
        ...s,
        dataImport: {
          requestId,
          startedAt: performance.now(),
          phase: 'starting',
          loaded: 0,
          total: 1,
          result: null,
          error: null,
        },
      }));
      send({ type: 'importData', requestId, source, options });
    },
    deleteDataset: (name) => send({ type: 'deleteDataset', name }),
    runCompare(entries) {
      runIdRef.current += 1;
      configRef.current = null; // comparisons are not checkpointed
      keptRef.current = null;
      dataRef.current = emptyRunData();
      setState((s) => ({
        ...s,
        runId: runIdRef.current,
        step: 0,
        probe: null,
        runConfig: null,
        compare: { entries, progress: null, evals: [], results: [], done: false },
        version: s.version + 1,
      }));
      send({ type: 'compare', runId: runIdRef.current, entries });
    },
    injectFault: (kind) => send({ type: 'injectFault', kind }),
    resumeRun(key, config, seed, autoRun) {
      beginFromCheckpoint(key, config, seed);
      send({ type: 'restore', runId: runIdRef.current, key, autoRun });
    },
    openShippedRun(config, seed, checkpoint, autoRun) {
      const key = `run-${Date.now().toString(36)}-${runIdRef.current + 1}`;
      beginFromCheckpoint(key, config, seed);
      const bytes = checkpoint.slice().buffer;
      workerRef.current?.postMessage(
        {
          type: 'openCheckpoint',
          runId: runIdRef.current,
          key,
          checkpoint: bytes,
          autoRun,
        } satisfies ToWorker,
        [bytes],
      );
    },
    rollback: () => send({ type: 'rollback', runId: runIdRef.current }),
    send,
    subscribe(listener) {
      listenersRef.current.add(listener);
      return () => void listenersRef.current.delete(listener);
    },
  };
}
