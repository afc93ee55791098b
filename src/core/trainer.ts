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
import { stepFlops, type StepFlops } from './flops';
import { METHODS } from './methods/registry';
import {
  buildModel,
  classifierVariables,
  disposeModel,
  isLearned,
  mixerVariables,
  momentumPairs,
  type SlModel,
  type TrainNets,
} from './model';
import { Sgd } from './nets/sgd';
import type { EmaPair } from './nets/ema';
import { FlatNet } from './nets/flat';
import { flushFusedSaves } from './nets/fused';
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

/** Everything a training step changes (for `warmup`, which must leave no trace). */
interface TrainingState {
  steps: number;
  rng: ReturnType<Rng['getState']>;
  dataRng: ReturnType<Rng['getState']>;
  data: ReturnType<ResidentData['getState']>;
  /** Flat parameters and statistics of every network, then the optimiser slots. */
  tensors: tf.Tensor[];
}

export interface TrainerOptions {
  /** Seed of the probe generator; default: forked from the run generator after initialisation. */
  probeSeed?: number;
}

export class Trainer {
  readonly data: ResidentData;
  readonly dataset: ImageDataset;
  /** The networks' per-layer variables (mirrors of `nets`; synced when `model` is read). */
  private readonly mirrors: SlModel;
  /** The networks' flat training storage (flat.ts): what a step reads and updates. */
  private readonly nets: TrainNets;
  private cfg: RunConfig;
  /** Mixing draws: λ, permutations, boxes, spectra, the mask_adjust coin. */
  private readonly rng: Rng;
  /** Data order and augmentation parameters (a separate stream, so every method sees the same batches). */
  private readonly dataRng: Rng;
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
    // One generator per run, split into streams so that runs of different methods with the same seed
    // start from the same weights (the Mixer is drawn last) and see the same batches in the same order.
    const root = new Rng(cfg.seed);
    this.mirrors = buildModel(root.fork(), cfg, data);
    this.dataRng = root.fork();
    this.rng = root.fork();
    const probeRng = root.fork();
    this.probeRng = opts.probeSeed !== undefined ? new Rng(opts.probeSeed) : probeRng;
    this.data = new ResidentData(data, { trainSize: cfg.trainSize, testSize: cfg.testSize });
    const m = this.mirrors;
    const q = new FlatNet(m.q, classifierVariables(m, cfg), true);
    const pairs = momentumPairs(m);
    const k = m.k
      ? new FlatNet(
          m.k,
          pairs.map((p) => p.target),
          false,
        )
      : null;
    if (k && k.layout.map((e) => e.name).join() !== q.layout.map((e) => e.name).join())
      throw new Error('momentum encoder and online classifier store different parameters');
    const mixer = m.mixer ? new FlatNet(m.mixer, mixerVariables(m), true) : null;
    this.nets = { q, k, mixer };
    const sgd = { momentum: SGD_MOMENTUM, weightDecay: cfg.weightDecay };
    this.optQ = new Sgd([q.params], sgd);
    this.optMixer = mixer ? new Sgd([mixer.params], sgd) : null;
    this.ema = k ? [{ target: k.params, online: q.params }] : [];
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
      dataRng: this.dataRng,
      nets: this.nets,
      optQ: this.optQ,
      optMixer: this.optMixer,
      ema: this.ema,
      step: this.steps,
    };
    let out: StepOutput;
    try {
      out = isLearned(this.cfg) ? learnedStep(ctx, part) : handcraftedStep(ctx);
    } finally {
      flushFusedSaves();
      for (const n of [this.nets.q, this.nets.k, this.nets.mixer]) n?.markDirty();
    }
    this.steps += 1;
    return {
      packed: out.packed,
      info: { step: this.steps, epoch: this.data.epoch, lamMb: out.lamMb, lamBb: out.lamBb },
      hostMs: performance.now() - t0,
    };
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
    if (this.disposed) throw new Error('Trainer used after dispose()');
    const t0 = performance.now();
    const state = this.saveState();
    try {
      await this.compileOnlyPass();
      this.restoreState(state, false);
      await this.read([this.step('both')]);
    } finally {
      this.restoreState(state, true);
    }
    return performance.now() - t0;
  }

  /**
   * webgl/webgpu: one step in the backend's compile-only mode (TF.js `ENGINE_COMPILE_ONLY` /
   * `WEBGPU_ENGINE_COMPILE_ONLY`), then wait for the parallel compilation. Its results are garbage
   * and are discarded with the state. Other backends, or any failure: nothing (the real warm-up
   * step compiles what is missing).
   */
  private async compileOnlyPass(): Promise<void> {
    const name = tf.getBackend();
    const flag =
      name === 'webgpu' ? 'WEBGPU_ENGINE_COMPILE_ONLY' : name === 'webgl' ? 'ENGINE_COMPILE_ONLY' : null;
    if (!flag) return;
    try {
      tf.env().get(flag); // registered by the backend package (throws if it is not)
    } catch {
      return;
    }
    const backend = tf.backend() as unknown as {
      checkCompileCompletionAsync?: () => Promise<unknown>;
      getUniformLocations?: () => void;
    };
    try {
      tf.env().set(flag, true);
      try {
        this.step('both').packed.dispose();
      } finally {
        tf.env().set(flag, false);
      }
      await backend.checkCompileCompletionAsync?.();
      backend.getUniformLocations?.();
    } catch {
      // Compile-only mode is an optimisation; the real warm-up step compiles whatever is left.
    }
  }

  private saveState(): TrainingState {
    const nets = [this.nets.q, this.nets.k, this.nets.mixer].filter((n) => n !== null);
    const tensors = [
      ...nets.flatMap((n) => [n.params.clone(), ...(n.stats ? [n.stats.clone()] : [])]),
      this.optQ.getSlot(),
      ...(this.optMixer ? [this.optMixer.getSlot()] : []),
    ];
    return {
      steps: this.steps,
      rng: this.rng.getState(),
      dataRng: this.dataRng.getState(),
      data: this.data.getState(),
      tensors,
    };
  }

  /** Puts a saved state back (its tensors are disposed when `last`). */
  private restoreState(s: TrainingState, last: boolean): void {
    const nets = [this.nets.q, this.nets.k, this.nets.mixer].filter((n) => n !== null);
    let i = 0;
    tf.tidy(() => {
      for (const n of nets) {
        n.params.assign(s.tensors[i++] as tf.Tensor1D);
        if (n.stats) n.stats.assign(s.tensors[i++] as tf.Tensor1D);
        n.markDirty();
      }
      this.optQ.setSlot(s.tensors[i++] as tf.Tensor1D);
      if (this.optMixer) this.optMixer.setSlot(s.tensors[i++] as tf.Tensor1D);
    });
    this.steps = s.steps;
    this.rng.setState(s.rng);
    this.dataRng.setState(s.dataRng);
    this.data.setState(s.data);
    if (last) for (const t of s.tensors) t.dispose();
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
    disposeModel(this.mirrors);
    for (const n of [this.nets.q, this.nets.k, this.nets.mixer]) n?.dispose();
    this.optQ.dispose();
    this.optMixer?.dispose();
    this.data.dispose();
  }
}
