/**
 * What the page does when the training worker's backend dies (device or context lost, out of
 * memory) or the worker itself crashes or stops answering: a pure state machine, so it is
 * unit-tested without a Worker. the trainer client (trainerClient.ts) terminates the worker, starts a new one forcing
 * `target`, sends `restore` for the run and resumes it if it was training; this module decides the
 * target (the next backend of webgpu → webgl → wasm → cpu that has not failed), when to give up,
 * and the one line the status bar shows ("WebGPU device lost at step 412 — continued on wasm from
 * checkpoint at step 400").
 */
import type { BackendName } from '../core/config';
import type { BackendLossKind } from '../worker/protocol';
import type { RunData } from './runState';

/** The order backends are tried in, best first. */
export const BACKEND_CHAIN: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** At most this many recoveries per page session; beyond, the run stops with a message. */
export const MAX_RECOVERIES = 6;

/** With the run training, a worker silent for this long is treated as hung (first steps included). */
export const HANG_MS = 120_000;

export type FailureKind = BackendLossKind | 'crash' | 'hang';

export interface Failure {
  kind: FailureKind;
  /** Backend the worker ran on, when known. */
  backend: BackendName | null;
  /** Last step the page saw. */
  step: number;
  reason: string;
  /** The worker says its loop was running (backendLost); the page's own view is used otherwise. */
  running?: boolean;
}

export type RecoveryPhase = 'idle' | 'restarting' | 'gaveUp';

export interface RecoveryState {
  phase: RecoveryPhase;
  /** Backends not tried again this session (lost device, context or memory, or crashed twice). */
  failed: BackendName[];
  /** Backends whose worker crashed once (one retry on the same backend). */
  crashedOnce: BackendName[];
  /** Recoveries started this session. */
  count: number;
  /** The failure being (or last) recovered from. */
  failure: Failure | null;
  /** Backend the new worker is forced to (null: automatic selection). */
  target: BackendName | null;
  /** Resume training after the restore (the run was running when it failed). */
  resume: boolean;
  /** The status bar line; empty when nothing happened. */
  message: string;
}

export const INITIAL_RECOVERY: RecoveryState = {
  phase: 'idle',
  failed: [],
  crashedOnce: [],
  count: 0,
  failure: null,
  target: null,
  resume: false,
  message: '',
};

const LABEL: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'wasm', cpu: 'cpu' };

/** "WebGPU device lost at step 412", "The training worker crashed at step 7 (wasm)". */
export function describeFailure(f: Failure): string {
  const on = f.backend ? LABEL[f.backend] : 'the backend';
  switch (f.kind) {
    case 'deviceLost':
      return `${on} device lost at step ${f.step}`;
    case 'contextLost':
      return `WebGL context lost at step ${f.step}`;
    case 'oom':
      return `${on} ran out of memory at step ${f.step}`;
    case 'crash':
      return `The training worker crashed at step ${f.step}${f.backend ? ` (${LABEL[f.backend]})` : ''}`;
    case 'hang':
      return `The training worker stopped responding at step ${f.step}`;
  }
}

/** The first backend after `current` in the chain that has not failed (from the top when unknown). */
export function nextBackend(current: BackendName | null, failed: readonly BackendName[]): BackendName | null {
  const from = current ? BACKEND_CHAIN.indexOf(current) + 1 : 0;
  return BACKEND_CHAIN.slice(from).find((b) => !failed.includes(b)) ?? null;
}

/**
 * Decides what to do about a failure. A lost device/context or an out-of-memory error rules that
 * backend out; a crash or hang is retried once on the same backend before it is ruled out.
 */
export function planRecovery(s: RecoveryState, f: Failure, wasRunning: boolean): RecoveryState {
  const what = describeFailure(f);
  let failed = s.failed;
  let crashedOnce = s.crashedOnce;
  let target: BackendName | null;
  const backendFault = f.kind !== 'crash' && f.kind !== 'hang';
  if (!f.backend) {
    target = nextBackend(null, failed);
  } else if (backendFault || crashedOnce.includes(f.backend)) {
    failed = failed.includes(f.backend) ? failed : [...failed, f.backend];
    target = nextBackend(f.backend, failed);
  } else {
    crashedOnce = [...crashedOnce, f.backend];
    target = f.backend;
  }
  const base = { ...s, failed, crashedOnce, failure: f, resume: wasRunning };
  if (s.count >= MAX_RECOVERIES) {
    return {
      ...base,
      phase: 'gaveUp',
      target: null,
      message: `${what} — gave up after ${s.count} recoveries; the run is stopped. Reload the page to try again.`,
    };
  }
  if (!target) {
    return {
      ...base,
      phase: 'gaveUp',
      target: null,
      message: `${what} — no other backend left to try (failed: ${failed.map((b) => LABEL[b]).join(', ')}); the run is stopped. Reload the page to try again.`,
    };
  }
  return {
    ...base,
    phase: 'restarting',
    target,
    count: s.count + 1,
    message: `${what} — restarting on ${LABEL[target]}…`,
  };
}

/** The new worker restored the run's checkpoint at `step` and runs on `backend`. */
export function restored(s: RecoveryState, step: number, backend: BackendName): RecoveryState {
  const what = s.failure ? describeFailure(s.failure) : 'Recovered';
  return {
    ...s,
    phase: 'idle',
    message: `${what} — continued on ${LABEL[backend]} from checkpoint at step ${step}`,
  };
}

/** The new worker had no usable checkpoint: the run was started again from step 0. */
export function restartedFromScratch(s: RecoveryState, backend: BackendName, why: string): RecoveryState {
  const what = s.failure ? describeFailure(s.failure) : 'Recovered';
  return {
    ...s,
    phase: 'idle',
    message: `${what} — no checkpoint to restore (${why}); restarted on ${LABEL[backend]} from step 0`,
  };
}

/** The worker failed before any run existed: the new one is ready and nothing needs restoring. */
export function restartedIdle(s: RecoveryState, backend: BackendName): RecoveryState {
  const what = s.failure ? describeFailure(s.failure) : 'Recovered';
  return { ...s, phase: 'idle', message: `${what} — restarted on ${LABEL[backend]}; no run was in progress` };
}

/**
 * Drops what the page holds beyond `step` (metrics, evaluations, marks, mask frames) so the curves
 * continue cleanly from the restored checkpoint. Mutates `d` (the client's run data) in place.
 */
export function dropAfter(d: RunData, step: number): void {
  d.metrics = d.metrics.filter((p) => p.step <= step);
  d.evals = d.evals.filter((e) => e.step <= step);
  d.marks = d.marks.filter((m) => m.step <= step);
  d.frames = d.frames.filter((f) => f.step <= step);
}
