/**
 * A small typed read-only view of the run on `window.__samix`, for e2e tests and for people
 * poking at the page from the console (style rule R15: tests read state, not pixels).
 */
import { useEffect } from 'react';
import type { StepMetrics } from '../core/trainerTypes';
import type { TrainerApi } from './useTrainer';

export interface SamixTestApi {
  lastMetrics(): StepMetrics | undefined;
  metricsCount(): number;
  frameCount(): number;
  marks(): Array<{ step: number; label: string }>;
  status(): string;
  /** Approximate bytes received from the worker (transferred buffers + structured metrics). */
  bytesReceived(): number;
  /** Probe messages received (mask refreshes). */
  probesReceived(): number;
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
      metricsCount: () => d.metrics.length,
      frameCount: () => d.frames.length,
      marks: () => d.marks.slice(),
      status: () => trainer.status,
      bytesReceived: () => trainer.traffic.bytes,
      probesReceived: () => trainer.traffic.probes,
    };
  }, [trainer]);
}
