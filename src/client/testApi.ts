/**
 * A small typed view of the run on `window.__samix`, for e2e tests, the UI benchmarks and people
 * poking at the page from the console (rule R15, docs/architecture.md: tests read state, not pixels). Installed only
 * when `testHooksWanted` (the page runs under automation, or with `?debug`); its module is loaded on
 * demand, so an ordinary visit neither downloads it nor can inject faults into the worker.
 */
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import type { FaultKind, MemoryInfo } from '../worker/protocol';
import type { MessageCostSummary } from './messageCost';
import type { TrainerClient } from './trainerClient';

export interface SamixTestApi {
  lastMetrics(): StepMetrics | undefined;
  /** Every evaluation the page holds, in order. */
  evals(): EvalResult[];
  /** `method on dataset, batch B, width W` of the run on screen (benchmarks). */
  configSummary(): string;
  metricsCount(): number;
  /** Steps of the metric points the page holds, in order (curves after a recovery). */
  metricSteps(): number[];
  frameCount(): number;
  /** Steps of the mask-history frames held, in order. */
  frameSteps(): number[];
  marks(): Array<{ step: number; label: string }>;
  status(): string;
  /** Approximate bytes received from the worker (transferred buffers + structured metrics). */
  bytesReceived(): number;
  /** Probe messages received (mask refreshes). */
  probesReceived(): number;
  /** TF.js memory in the worker at the last metrics batch (tensors, bytes, GPU bytes). */
  memory(): MemoryInfo | null;
  /** The active backend, or '' while a worker starts. */
  backend(): string;
  /** Recovery phase and status line (device loss / crash). */
  recovery(): { phase: string; message: string; count: number; failed: string[]; reason: string };
  /** Test-only fault hook (see src/worker/deviceWatch.ts). */
  injectFault(kind: FaultKind): void;
  /** The metric points the page holds up to `step` (curve equality across a reload). */
  metricsUpTo(step: number): StepMetrics[];
  /** Step of the run's last saved checkpoint, its key, and where the run was last restored. */
  checkpoint(): { key: string; step: number } | null;
  restoredStep(): number | null;
  /** Per worker-message type: the main thread's time on it (handler + synchronous re-render). */
  messageCosts(): MessageCostSummary[];
}

declare global {
  interface Window {
    __samix?: SamixTestApi;
  }
}

/** Puts the view on `window.__samix`, reading the client's current state at each call. @returns uninstall */
export function installTestApi(client: TrainerClient): () => void {
  const v = () => client.getSnapshot();
  const d = () => v().data;
  const api: SamixTestApi = {
    lastMetrics: () => d().metrics[d().metrics.length - 1],
    evals: () => d().evals.slice(),
    configSummary: () => {
      const c = v().runConfig;
      return c ? `${c.method} on ${c.dataset}, batch ${c.batch}, width ${c.width}` : '';
    },
    metricsCount: () => d().metrics.length,
    metricSteps: () => d().metrics.map((p) => p.step),
    frameCount: () => d().frames.length,
    frameSteps: () => d().frames.map((f) => f.step),
    marks: () => d().marks.slice(),
    status: () => v().status,
    bytesReceived: () => v().traffic.bytes,
    probesReceived: () => v().traffic.probes,
    memory: () => v().memory,
    backend: () => v().backend?.active ?? '',
    recovery: () => {
      const r = v().recovery;
      return {
        phase: r.phase,
        message: r.message,
        count: r.count,
        failed: r.failed.slice(),
        reason: r.failure?.reason ?? '',
      };
    },
    injectFault: (kind) => client.actions.injectFault(kind),
    metricsUpTo: (step) => d().metrics.filter((p) => p.step <= step),
    checkpoint: () => {
      const c = v().checkpoint;
      return c ? { key: c.key, step: c.step } : null;
    },
    restoredStep: () => v().restored?.step ?? null,
    messageCosts: () => client.messageCosts.summary(),
  };
  window.__samix = api;
  return () => {
    if (window.__samix === api) delete window.__samix;
  };
}
