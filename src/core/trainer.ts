/**
 * The supervised trainer: owns the run's generator, the resident data, the networks, the optimisers
 * and the EMA pairs, and exposes one step at a time to the worker loop and the headless command.
 *
 * `step()` never reads back: it returns a `PendingStep` holding a small packed metrics tensor;
 * `read()` turns many of them into `StepMetrics` with a single stack + `await data()` (style rule R6).
 */
import * as tf from '@tensorflow/tfjs';
import { checkField, LIVE_FIELDS, parseConfig, type LiveField, type RunConfig } from './config';
import type { ImageDataset } from '../data/types';
import { evaluateModel } from './evaluate';
import { METHODS } from './methods/registry';
import {
  buildModel,
  classifierVariables,
  disposeModel,
  isLearned,
  mixerVariables,
  momentumPairs,
  type SlModel,
} from './model';
import { Sgd } from './nets/sgd';
import type { EmaPair } from './nets/ema';
import { CROP_PADDING } from './augment';
import { probeModel } from './probe';
import { Rng } from './random';
import { ResidentData } from './residentData';
import { handcraftedStep } from './scenarios/handcrafted';
import { unpackMetrics, type StepHostInfo } from './scenarios/metrics';
import { learnedStep, type SlContext, type StepOutput } from './scenarios/supervised';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from './trainerTypes';

/** SGD momentum of both optimisers (spec §2.3). */
export const SGD_MOMENTUM = 0.9;

/** A dispatched step whose metrics still live on the device. Consumed by `Trainer.read`. */
export interface PendingStep {
  /** Packed metrics `[K]` (disposed by `read`). */
  packed: tf.Tensor1D;
  info: Omit<StepHostInfo, 'msPerStep'>;
  /** Host time spent dispatching the step, ms. */
  hostMs: number;
}

export interface TrainerOptions {
  /** Seed of the probe generator; default: forked from the run generator after initialisation. */
  probeSeed?: number;
}

export class Trainer {
  readonly data: ResidentData;
  readonly dataset: ImageDataset;
  readonly model: SlModel;
  private cfg: RunConfig;
  private readonly rng: Rng;
  private readonly probeRng: Rng;
  private readonly optQ: Sgd;
  private readonly optMixer: Sgd | null;
  private readonly ema: EmaPair[];
  private steps = 0;
  private disposed = false;

  /**
   * @param config a validated run configuration (re-checked here)
   * @param data the dataset; its uint8 images are uploaded once
   */
  constructor(config: RunConfig, data: ImageDataset, opts: TrainerOptions = {}) {
    this.cfg = parseConfig({ ...config });
    const cfg = this.cfg;
    if (Math.min(data.height, data.width) <= CROP_PADDING && cfg.augment) {
      throw new Error(
        `images of ${data.height}×${data.width} px are too small for the ${CROP_PADDING}-px crop`,
      );
    }
    this.dataset = data;
    this.rng = new Rng(cfg.seed);
    this.model = buildModel(this.rng, cfg, data);
    this.probeRng = opts.probeSeed !== undefined ? new Rng(opts.probeSeed) : this.rng.fork();
    this.data = new ResidentData(data, { trainSize: cfg.trainSize, testSize: cfg.testSize });
    const sgd = { momentum: SGD_MOMENTUM, weightDecay: cfg.weightDecay };
    this.optQ = new Sgd(classifierVariables(this.model, cfg), sgd);
    this.optMixer = isLearned(cfg) ? new Sgd(mixerVariables(this.model), sgd) : null;
    this.ema = momentumPairs(this.model);
    if (METHODS[cfg.method].kind === 'pixel' && !METHODS[cfg.method].makeMask) {
      throw new Error(`method ${cfg.method} has no makeMask`);
    }
  }

  /** A copy of the configuration in use (live edits included). */
  get config(): RunConfig {
    return { ...this.cfg };
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** Fractional epoch (training samples drawn / training images). */
  get epoch(): number {
    return this.data.epoch;
  }

  /** The online optimiser's and the Mixer optimiser's variable lists (tests, checkpoints). */
  get optimizers(): { q: Sgd; mixer: Sgd | null } {
    return { q: this.optQ, mixer: this.optMixer };
  }

  /**
   * One training step. `part` ('mixer' | 'classifier') restricts a learned method's update to φ or
   * to θ_q (+EMA); hand-crafted methods always update θ_q.
   */
  step(part: StepPart = 'both'): PendingStep {
    if (this.disposed) throw new Error('Trainer used after dispose()');
    const t0 = performance.now();
    const ctx: SlContext = {
      cfg: this.cfg,
      data: this.data,
      rng: this.rng,
      model: this.model,
      optQ: this.optQ,
      optMixer: this.optMixer,
      ema: this.ema,
      step: this.steps,
    };
    const out: StepOutput = isLearned(this.cfg) ? learnedStep(ctx, part) : handcraftedStep(ctx);
    this.steps += 1;
    return {
      packed: out.packed,
      info: { step: this.steps, epoch: this.data.epoch, lamMb: out.lamMb, lamBb: out.lamBb },
      hostMs: performance.now() - t0,
    };
  }

  /** Reads back many pending steps with one stack + `await data()`; disposes their tensors. */
  async read(pending: PendingStep[]): Promise<StepMetrics[]> {
    if (pending.length === 0) return [];
    const t0 = performance.now();
    const stacked = tf.stack(pending.map((p) => p.packed));
    for (const p of pending) p.packed.dispose();
    const values = await stacked.data();
    stacked.dispose();
    const k = values.length / pending.length;
    const waitMs = (performance.now() - t0) / pending.length;
    return pending.map((p, i) =>
      unpackMetrics(values.subarray(i * k, (i + 1) * k), { ...p.info, msPerStep: p.hostMs + waitMs }),
    );
  }

  /** Test accuracy of q and k (inference-mode BN) on the first `testSize` test images. */
  evaluate(): Promise<EvalResult> {
    return evaluateModel(this.model, this.data, this.cfg, this.steps);
  }

  /** The current method's masks for test-image pairs at `lam` (uses the probe generator only). */
  probe(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult> {
    return probeModel(this.model, this.cfg, this.dataset, pairs, lam, this.probeRng, this.steps);
  }

  /** Changes live settings (validated; throws listing the bad field). */
  setLive(p: Partial<Pick<RunConfig, LiveField>>): void {
    const next = { ...this.cfg };
    for (const [key, value] of Object.entries(p)) {
      if (!(LIVE_FIELDS as readonly string[]).includes(key))
        throw new Error(`${key} cannot change during a run`);
      const r = checkField(key as LiveField, value);
      if (!r.ok) throw new Error(r.issue.message);
      next[key as LiveField] = r.value;
    }
    this.cfg = parseConfig({ ...next });
  }

  /** Frees every tensor the trainer owns. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeModel(this.model);
    this.optQ.dispose();
    this.optMixer?.dispose();
    this.data.dispose();
  }
}
