/**
 * Fixtures for the saved-run tests (src/storage): a metric point whose fields all differ from step
 * to step (NaN and ±Infinity at some steps), and probe results of two small RGB pairs.
 * Test-only: production code never imports this module.
 */
import type { ProbeResult, StepMetrics } from '../core/trainerTypes';

export function variedPoint(step: number): StepMetrics {
  return {
    step,
    epoch: step / 7,
    lamMb: step % 3 === 0 ? NaN : 0.1 + step / 1000,
    lamBb: 0.9 - step / 1e4,
    maskMean: 1 / (step + 3),
    loss: {
      total: 2.302585 - step * 1e-3,
      local: 0.6931,
      global: step === 4 ? Infinity : 1e-7 * step,
      mixer: step === 5 ? -Infinity : 0.5,
      mask: -0.02,
      maskL1: 0,
      maskVar: 0.15,
      mixQ: 1.25,
      oneQ: 0.75,
    },
    acc: { train: (step % 8) / 8 },
    msPerStep: 12.5 + step / 3,
  };
}

export function probeResult(step: number, salt = 0): ProbeResult {
  const img = (x: number) => Float32Array.from({ length: 18 }, (_, i) => ((i * 7 + x * 31) % 256) / 255);
  return {
    step,
    width: 3,
    height: 2,
    channels: 3,
    pairs: [0, 1].map((k) => ({
      indexA: k + salt,
      indexB: k + 5 + salt,
      labelA: k,
      labelB: 3,
      lam: 0.5,
      lamEff: 0.4 + k / 10,
      imageA: img(1 + k),
      imageB: img(2 + k),
      mixed: img(step + k),
      mask: Float32Array.from({ length: 6 }, (_, i) => ((i + step) % 6) / 5),
      objectKeptA: k === 0 ? NaN : 0.5,
      objectKeptB: 0.25,
    })),
  };
}
