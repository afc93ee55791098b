/**
 * Small data fixtures shared by unit tests: a StepMetrics point, a probe pair and a driver for the
 * page-side trainer state reducer (`applyMessage`). Test-only: production code never imports this module.
 */
import type { ProbeResult, StepMetrics } from '../core/trainerTypes';
import { applyMessage } from '../client/applyMessage';
import { EMPTY, emptyRunData, type TrainerState } from '../client/runState';

/** One step's metrics with fixed, plausible values (loss 1, accuracy 0.5, λ 0.5, 1 ms). One argument: safe in `.map(point)`. */
export function point(step: number): StepMetrics {
  return {
    step,
    epoch: 0,
    lamMb: 0.5,
    lamBb: 0.5,
    maskMean: 0.5,
    loss: { total: 1, local: 0, global: 0, mixer: 0, mask: 0, maskL1: 0, maskVar: 0, mixQ: 1, oneQ: 0 },
    acc: { train: 0.5 },
    msPerStep: 1,
  };
}

type ProbePair = ProbeResult['pairs'][number];

/**
 * One probe pair of `side`×`side` images with `channels` channels, every pixel `fill`: images 0 and 1
 * of classes 0 and 1 at λ 0.5, a zero mask; `over` replaces any field.
 */
export function probePair(
  side: number,
  channels: number,
  fill = 0,
  over: Partial<ProbePair> = {},
): ProbePair {
  const image = () => new Float32Array(side * side * channels).fill(fill);
  return {
    indexA: 0,
    indexB: 1,
    labelA: 0,
    labelB: 1,
    lam: 0.5,
    lamEff: 0.5,
    imageA: image(),
    imageB: image(),
    mixed: image(),
    mask: new Float32Array(side * side),
    objectKeptA: NaN,
    objectKeptB: NaN,
    ...over,
  };
}

/** Feeds worker messages into `applyMessage` the way the hook does, keeping the state it sets. */
export function trainerStateHarness() {
  let state: TrainerState = EMPTY;
  const d = emptyRunData();
  const traffic = { bytes: 0, probes: 0, metrics: 0 };
  const setState = (u: TrainerState | ((s: TrainerState) => TrainerState)) => {
    state = typeof u === 'function' ? u(state) : u;
  };
  return {
    d,
    traffic,
    get: () => state,
    send: (m: Parameters<typeof applyMessage>[0]) => applyMessage(m, d, traffic, setState),
  };
}
