/**
 * A small typed read-only view of the run on `window.__samix`, for e2e tests and for people
 * poking at the page from the console (style rule R15: tests read state, not pixels).
 */
import { useEffect } from 'react';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import type { FaultKind, MemoryInfo } from '../worker/protocol';
import type { TrainerApi } from './useTrainer';

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
}

declare global {
  interface Window {
    __samix?: SamixTestApi;
  }
}

export function useTestApi(trainer: TrainerApi): void {
  useEffect(() => {
    const d = trainer.data;
    window.__samix = {
      lastMetrics: () => d.metrics[d.metrics.length - 1],
      evals: () => d.evals.slice(),
      configSummary: () => {
        const c = trainer.runConfig;
        return c ? `${c.method} on ${c.dataset}, batch ${c.batch}, width ${c.width}` : '';
      },
      metricsCount: () => d.metrics.length,
      metricSteps: () => d.metrics.map((p) => p.step),
      frameCount: () => d.frames.length,
      marks: () => d.marks.slice(),
      status: () => trainer.status,
      bytesReceived: () => trainer.traffic.bytes,
      probesReceived: () => trainer.traffic.probes,
      memory: () => trainer.memory,
      backend: () => trainer.backend?.active ?? '',
      recovery: () => ({
        phase: trainer.recovery.phase,
        message: trainer.recovery.message,
        count: trainer.recovery.count,
        failed: trainer.recovery.failed.slice(),
        reason: trainer.recovery.failure?.reason ?? '',
      }),
      injectFault: (kind) => trainer.injectFault(kind),
      metricsUpTo: (step) => d.metrics.filter((p) => p.step <= step),
      checkpoint: () =>
        trainer.checkpoint ? { key: trainer.checkpoint.key, step: trainer.checkpoint.step } : null,
      restoredStep: () => trainer.restored?.step ?? null,
    };
  }, [trainer]);
}
