/**
 * The page's handle on the training worker (style rule R4): useWorkerSupervisor owns the Worker
 * (created in an effect, replaced on device loss or crash, terminated in the cleanup) and the run
 * state; trainerActions.ts builds the actions once. Components never touch `Worker`. Metric batches
 * go into capped arrays held in a ref, and React state is bumped once per message.
 */
import { useMemo, useState } from 'react';
import type { BackendName } from '../core/config';
import { makeTrainerActions, type TrainerActions } from './trainerActions';
import { useWorkerSupervisor, type TrainerView } from './useWorkerSupervisor';

export type { CompareState, DataImportState, LiveMark, RunData, Traffic, TrainerState } from './trainerState';
export { MAX_POINTS } from './trainerState';
export type { TrainerActions } from './trainerActions';
export type { TrainerView } from './useWorkerSupervisor';

/** Run state, data, recovery and the actions: a new object whenever the state changes. */
export type TrainerApi = TrainerView & TrainerActions;

export function useTrainer(forcedBackend: BackendName | null): TrainerApi {
  const { view, setState, refs } = useWorkerSupervisor(forcedBackend);
  // The refs and setState are stable, so the actions are built once and never change identity.
  const [actions] = useState(() => makeTrainerActions(refs, setState));
  return useMemo(() => ({ ...view, ...actions }), [view, actions]);
}
