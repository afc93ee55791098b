/**
 * Public API of the training core (pure TF.js + TypeScript, no DOM): what the worker, the headless
 * command and the tests import.
 */
export { lamRescale, momentumAt, cosineLr } from './schedule';
export { maskLoss, mixWithMask } from './mask';
export { etaBalancedLoss } from './losses';
export { Trainer, type PendingStep, type TrainerOptions } from './trainer';
export { SslTrainer, KNN_BANK_SIZE } from './sslTrainer';
export { METHODS, getMethod } from './methods/registry';
export * from './config';
export { Rng } from './random';
export type { StepMetrics, StepLosses, EvalResult, ProbeResult, ProbePair, StepPart } from './trainerTypes';
