/**
 * Status posting for the handler's run: the status message, error handling (a divergence or an
 * error pauses a run and keeps its state) and the once-only backend-loss report.
 */
import { serializeError, type BackendLossKind, type RunStatus } from './protocol';
import { DivergenceError } from './divergence';
import type { RunContext } from './runState';

/** The backend is gone: stop stepping and tell the page once (it restarts the worker elsewhere). */
export function backendLost(c: RunContext, loss: { kind: BackendLossKind; reason: string }): void {
  const { s } = c;
  s.generation++;
  if (s.lostSent) return;
  s.lostSent = true;
  const running = s.status === 'running';
  s.status = 'error';
  const step = s.trainer?.stepCount ?? 0;
  c.post({ type: 'backendLost', runId: s.runId, backend: s.backendName, ...loss, step, running });
}

export function setStatus(c: RunContext, status: RunStatus, note = ''): void {
  const { s } = c;
  s.status = status;
  c.post({
    type: 'status',
    runId: s.runId,
    status,
    step: s.trainer?.stepCount ?? 0,
    epoch: s.trainer?.epoch ?? 0,
    note,
  });
}

export function fail(c: RunContext, e: unknown, during: string): void {
  const { s, post } = c;
  const loss = c.deps.device?.classify(e);
  if (loss) return backendLost(c, loss);
  const err = serializeError(e);
  if (e instanceof DivergenceError && s.trainer) {
    post({ type: 'error', runId: s.runId, error: err, fatal: false });
    const rollbackStep = s.ckpt.step;
    post({ type: 'diverged', runId: s.runId, step: e.step, term: e.term, message: e.message, rollbackStep });
    return setStatus(c, 'paused', `Diverged at step ${e.step}; paused.`);
  }
  post({
    type: 'error',
    runId: s.runId,
    error: { ...err, message: `${during}: ${err.message}` },
    fatal: false,
  });
  if (s.trainer) setStatus(c, 'paused', `Paused after an error ${during}; the run's state is kept.`);
  else setStatus(c, 'error', `${during} failed`);
}
