/**
 * The one run the handler owns: its mutable state in a single typed object (no module globals), the
 * context every handler piece receives, and the chain that serialises trainer operations.
 */
import type { BackendName, RunConfig } from '../core/config';
import type { ImageDataset } from '../data/types';
import type { HandlerDeps, TrainerLike } from './handlerTypes';
import type { Post, RunStatus } from './protocol';
import { RunCheckpoints } from './runCheckpoints';

export interface RunState {
  runId: number;
  /** Bumped to stop a running loop: a loop whose generation is stale exits (rule R12, docs/architecture.md). */
  generation: number;
  status: RunStatus;
  config: RunConfig | null;
  trainer: TrainerLike | null;
  data: ImageDataset | null;
  /** The probe pairs (indices into the test set). */
  pairs: Array<[number, number]>;
  /** Step results not read back yet (one readback per report). */
  pending: unknown[];
  /** Step time accumulated since the last flush. */
  stepMs: number;
  lastFlush: number;
  lastProbe: number;
  /** Wall time between the last two step boundaries (step + reporting), for the probe cadence. */
  boundaryMs: number;
  lastBoundary: number;
  /** The tail of the trainer-operation chain (`exclusive`). */
  chain: Promise<unknown>;
  backendName: BackendName;
  /** A backendLost message was posted (it is sent once). */
  lostSent: boolean;
  /** `injectFault` is accepted (the page asked for test hooks in `init`). */
  testHooks: boolean;
  readonly ckpt: RunCheckpoints;
}

/** What every piece of the handler works with: the run's state, the post and the injected deps. */
export interface RunContext {
  readonly s: RunState;
  readonly post: Post;
  readonly deps: HandlerDeps;
}

/** A context with no run yet (idle, backend `cpu` until `init` says otherwise). */
export function createRunContext(post: Post, deps: HandlerDeps): RunContext {
  const s: RunState = {
    runId: -1,
    generation: 0,
    status: 'idle',
    config: null,
    trainer: null,
    data: null,
    pairs: [],
    pending: [],
    stepMs: 0,
    lastFlush: 0,
    lastProbe: -Infinity,
    boundaryMs: 0,
    lastBoundary: -Infinity,
    chain: Promise.resolve(),
    backendName: 'cpu',
    lostSent: false,
    testHooks: false,
    ckpt: new RunCheckpoints(deps.checkpoints, post),
  };
  return { s, post, deps };
}

/** Runs `fn` after every earlier trainer operation has finished (no interleaving across awaits). */
export function exclusive<T>(c: RunContext, fn: () => Promise<T>): Promise<T> {
  const next = c.s.chain.then(fn, fn);
  c.s.chain = next.catch(() => undefined);
  return next;
}
