/**
 * The supervised trainer: owns the run's generator, the resident data, the networks, the optimisers
 * and the EMA pairs, and exposes one step at a time to the worker loop and the headless command.
 *
 * `step()` never reads back: it returns a `PendingStep` holding a small packed metrics tensor;
 * `read()` turns many of them into `StepMetrics` with a single stack + `await data()` (rule R6, docs/architecture.md).
 *
 * Helpers: assembly in trainerSetup.ts, state save/restore (warm-up, checkpoints) in trainerState.ts,
 * the readback in pendingStep.ts, the compile-only warm-up pass in compileOnly.ts, and what it
 * shares with the SSL trainer (config, live settings, batch samples, bundle export) in trainerBase.ts.
 */
import { parseConfig, type RunConfig } from './config';
import type { CheckpointData } from './checkpoint';
import { compileOnlyPass } from './compileOnly';
import type { ImageDataset } from '../data/types';
import { evaluateModel } from './evaluate';
import { stepFlops, type StepFlops } from './flops';
import { disposeModel, isLearned, type SlModel, type TrainNets } from './model';
import type { Sgd } from './nets/sgd';
import type { FlatOptimizer } from './nets/mixerOptimizer';
import type { EmaPair } from './nets/ema';
import { readPendingSteps, type PendingStep } from './pendingStep';
import { probeModel, probeObjectKept } from './probe';
import type { Rng } from '../lib/random';
import type { ResidentData } from './residentData';
import { checkRestorable } from './stateChecks';
import {
  checkpointTrainingState,
  readTrainingState,
  restoreTrainingState,
  saveTrainingState,
  slStateSpecs,
  type SlStateParts,
  type TrainingState,
} from './trainerState';
import { buildSlRun, type TrainerOptions } from './trainerSetup';
import { handcraftedStep } from './scenarios/handcrafted';
import { learnedStep, type SlContext } from './scenarios/supervised';
import { disposeSample } from './scenarios/batchSample';
import { TrainerBase } from './trainerBase';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from './trainerTypes';
import type { MixerPieces, PretrainedMixer } from './weights/mixerBundle';
import { classifierWeights, slMixerPieces, type ClassifierWeightsJson } from './weights/runExports';

export type { PendingStep } from './pendingStep';
export { SGD_MOMENTUM, type TrainerOptions } from './trainerSetup';

export class Trainer extends TrainerBase {
  readonly data: ResidentData;
  /** The networks' per-layer variables (mirrors of `nets`; synced when `model` is read). */
  private readonly mirrors: SlModel;
  /** SAMix^P: the frozen pre-trained encoder + Mixer (null for other methods). */
  private readonly pretrained: PretrainedMixer | null;
  /** The networks' flat training storage (flat.ts): what a step reads and updates. */
  private readonly nets: TrainNets;
  /** Mixing draws: λ, permutations, boxes, spectra, the mask_adjust coin. */
  private readonly rng: Rng;
  /** Data order and augmentation parameters (a separate stream, so every method sees the same batches). */
  private readonly dataRng: Rng;
  private readonly probeRng: Rng;
  private readonly optQ: Sgd;
  private readonly optMixer: FlatOptimizer | null;
  private readonly ema: EmaPair[];
  /** What holds the training state (trainerState.ts: warm-up, checkpoints). */
  private readonly parts: SlStateParts;

  /**
   * @param config a validated run configuration (re-checked here)
   * @param data the dataset; its uint8 images are uploaded once
   */
  constructor(config: RunConfig, data: ImageDataset, opts: TrainerOptions = {}) {
    super('Trainer', config, data);
    const run = buildSlRun(this.cfg, data, opts);
    this.mirrors = run.mirrors;
    this.pretrained = run.pretrained;
    this.nets = run.nets;
    this.rng = run.rng;
    this.dataRng = run.dataRng;
    this.probeRng = run.probeRng;
    this.data = run.data;
    this.optQ = run.optQ;
    this.optMixer = run.optMixer;
    this.ema = run.ema;
    this.parts = run;
  }

  /**
   * The networks as per-layer variables (evaluation, probes, checkpoints, tests). Training keeps
   * them in flat storage; reading this copies the current values into the variables first.
   */
  get model(): SlModel {
    for (const n of [this.nets.q, this.nets.k, this.nets.mixer]) n?.sync();
    return this.mirrors;
  }

  /**
   * FLOPs of one full training step at this configuration (flops.ts; convolutions and matrix
   * products, training pass = 3× forward). Achieved GFLOP/s = flopsPerStep / (ms per step · 1e6).
   */
  get flopsPerStep(): number {
    return this.stepFlops.total;
  }

  /** `flopsPerStep` by network (online encoder, momentum encoder, Mixer). */
  get stepFlops(): StepFlops {
    const d = this.dataset;
    return stepFlops(this.cfg, {
      height: d.height,
      width: d.width,
      channels: d.channels,
      classes: d.classes.length,
    });
  }

  /** Fractional epoch (training samples drawn / training images). */
  get epoch(): number {
    return this.data.epoch;
  }

  /** The online optimiser's and the Mixer optimiser's (flat) variables (tests, checkpoints). */
  get optimizers(): { q: Sgd; mixer: FlatOptimizer | null } {
    return { q: this.optQ, mixer: this.optMixer };
  }

  /**
   * One training step. `part` ('mixer' | 'classifier') restricts a learned method's update to φ or
   * to θ_q (+EMA); hand-crafted methods always update θ_q.
   */
  step(part: StepPart = 'both'): PendingStep {
    const nets = [this.nets.q, this.nets.k, this.nets.mixer];
    return this.takeStep(part, nets, (step) => {
      const ctx: SlContext = {
        cfg: this.cfg,
        data: this.data,
        rng: this.rng,
        dataRng: this.dataRng,
        nets: this.nets,
        optQ: this.optQ,
        optMixer: this.optMixer,
        ema: this.ema,
        step,
        pretrained: this.pretrained ?? undefined,
      };
      return isLearned(this.cfg) ? learnedStep(ctx, part) : handcraftedStep(ctx);
    });
  }

  /**
   * Shader warm-up before the first timed step: on webgl/webgpu a compile-only pass of one step
   * (the backend compiles every program of the step in parallel without running it), then one real
   * step, read back, so the first step the user times runs on compiled programs. Both run on the
   * trainer's state and are undone afterwards — parameters, BN statistics, optimiser slots, the
   * generator, the data position and the step count are restored exactly — so a warmed-up run gives
   * the same metrics as one that was not.
   * @returns wall time of the warm-up, ms
   */
  async warmup(): Promise<number> {
    this.checkAlive();
    const t0 = performance.now();
    const state = saveTrainingState(this.parts, this.steps);
    try {
      await compileOnlyPass(() => this.step('both').packed.dispose());
      this.restoreState(state, false);
      await this.read([this.step('both')]);
    } finally {
      this.restoreState(state, true);
      disposeSample(this.sample); // the warm-up's batch was not a real step
      this.sample = null;
    }
    return performance.now() - t0;
  }

  /**
   * The full training state, read back with `await data()` (checkpoints): parameters and BN
   * statistics of every network, optimiser slots, step, generator, data position, configuration.
   */
  async snapshot(): Promise<CheckpointData> {
    this.checkAlive();
    return readTrainingState(this.parts, this.steps, this.config);
  }

  /**
   * Puts a checkpoint's state into this trainer in place (no new variables), live settings
   * included. Throws, naming what differs, when it belongs to another configuration or model.
   */
  restore(c: CheckpointData): void {
    this.checkAlive();
    checkRestorable(c, this.cfg, slStateSpecs(this.parts), this.data.trainCount);
    this.restoreState(checkpointTrainingState(c), true);
    this.cfg = parseConfig({ ...c.config });
  }

  /** Puts a saved state back (its tensors are disposed when `last`). */
  private restoreState(s: TrainingState, last: boolean): void {
    restoreTrainingState(this.parts, s, last);
    this.steps = s.steps;
  }

  /** Reads back many pending steps with one stack + `await data()`; disposes their tensors. */
  read(pending: PendingStep[]): Promise<StepMetrics[]> {
    return readPendingSteps(pending);
  }

  /**
   * Test accuracy of q and k (inference-mode BN) on the first `testSize` test images, and on datasets
   * with object masks the masks' object-kept score (objectKept.ts).
   */
  async evaluate(): Promise<EvalResult> {
    const result = await evaluateModel(this.model, this.data, this.cfg, this.steps);
    const kept = await probeObjectKept(this.model, this.cfg, this.dataset, this.pretrained);
    return Number.isFinite(kept) ? { ...result, objectKept: kept } : result;
  }

  /** The current method's masks for test-image pairs at `lam` (uses the probe generator only). */
  probe(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult> {
    return probeModel(
      this.model,
      this.cfg,
      this.dataset,
      pairs,
      lam,
      this.probeRng,
      this.steps,
      this.pretrained,
    );
  }

  /** The Mixer bundle's pieces (`exportMixerBundle`): SAMix and AutoMix runs; throws for other methods. */
  protected mixerPieces(): MixerPieces {
    return slMixerPieces(this.model, this.cfg, this.dataset, this.steps);
  }

  /** The online classifier's weights in the tfjs format (model.json + weights.bin). */
  async exportClassifierWeights(): Promise<{ modelJson: ClassifierWeightsJson; weightsBin: Uint8Array }> {
    this.checkAlive();
    return classifierWeights(this.model, this.cfg, this.dataset);
  }

  /** Frees every tensor the trainer owns. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeSample(this.sample);
    this.sample = null;
    disposeModel(this.mirrors);
    this.pretrained?.dispose();
    for (const n of [this.nets.q, this.nets.k, this.nets.mixer]) n?.dispose();
    this.optQ.dispose();
    this.optMixer?.dispose();
    this.data.dispose();
  }
}
