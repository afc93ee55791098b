/**
 * The supervised trainer: owns the run's generator, the resident data, the networks, the optimisers
 * and the EMA pairs, and exposes one step at a time to the worker loop and the headless command.
 *
 * `step()` never reads back: it returns a `PendingStep` holding a small packed metrics tensor;
 * `read()` turns many of them into `StepMetrics` with a single stack + `await data()` (style rule R6).
 */
import * as tf from '@tensorflow/tfjs';
import { applyLivePatch, parseConfig, type LiveField, type RunConfig } from './config';
import type { CheckpointData, RngJson } from './checkpoint';
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
import { makeMixerOptimizer, mixerSlotSize, type FlatOptimizer } from './nets/mixerOptimizer';
import type { EmaPair } from './nets/ema';
import { FlatNet } from './nets/flat';
import { flushFusedSaves } from './nets/fused';
import { CROP_PADDING } from './augment';
import { probeModel } from './probe';
import { Rng } from './random';
import { ResidentData } from './residentData';
import { checkRestorable } from './stateChecks';
import { handcraftedStep } from './scenarios/handcrafted';
import { unpackMetrics, type StepHostInfo } from './scenarios/metrics';
import { learnedStep, type SlContext, type StepOutput } from './scenarios/supervised';
import { disposeSample, readSample, type StepSample } from './scenarios/batchSample';
import type { BatchSamples, EvalResult, ProbeResult, StepMetrics, StepPart } from './trainerTypes';
import { exportMixerBundle, type PretrainedMixer } from './weights/mixerBundle';
import type { MixerBundle } from './weights/mixerManifest';
import {
  classifierWeights,
  pretrainedFor,
  slMixerPieces,
  type ClassifierWeightsJson,
} from './weights/runExports';

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
  /** Host copies of `tensors` when the state came from a checkpoint (no readback needed). */
  host?: Float32Array[];
}

export interface TrainerOptions {
  /** Seed of the probe generator; default: forked from the run generator after initialisation. */
  probeSeed?: number;
  /** SAMix^P (method samixp): the loaded, validated Mixer bundle (weights/mixerManifest.ts). */
  mixerBundle?: MixerBundle;
}

export class Trainer {
  readonly data: ResidentData;
  readonly dataset: ImageDataset;
  /** The networks' per-layer variables (mirrors of `nets`; synced when `model` is read). */
  private readonly mirrors: SlModel;
  /** SAMix^P: the frozen pre-trained encoder + Mixer (null for other methods). */
  private readonly pretrained: PretrainedMixer | null;
  /** The networks' flat training storage (flat.ts): what a step reads and updates. */
  private readonly nets: TrainNets;
  private cfg: RunConfig;
  /** Mixing draws: λ, permutations, boxes, spectra, the mask_adjust coin. */
  private readonly rng: Rng;
  /** Data order and augmentation parameters (a separate stream, so every method sees the same batches). */
  private readonly dataRng: Rng;
  private readonly probeRng: Rng;
  private readonly optQ: Sgd;
  private readonly optMixer: FlatOptimizer | null;
  private readonly ema: EmaPair[];
  private steps = 0;
  private disposed = false;
  /** First rows of the last step's mixed batch (kept on the device, replaced every step). */
  private sample: StepSample | null = null;

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
    this.pretrained = pretrainedFor(cfg, data, opts.mixerBundle); // first: a bad bundle allocates nothing
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
    this.optMixer = mixer ? makeMixerOptimizer(cfg, [mixer.params]) : null;
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
  get optimizers(): { q: Sgd; mixer: FlatOptimizer | null } {
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
      pretrained: this.pretrained ?? undefined,
    };
    let out: StepOutput;
    try {
      out = isLearned(this.cfg) ? learnedStep(ctx, part) : handcraftedStep(ctx);
    } finally {
      flushFusedSaves();
      for (const n of [this.nets.q, this.nets.k, this.nets.mixer]) n?.markDirty();
    }
    this.steps += 1;
    disposeSample(this.sample);
    this.sample = out.sample ?? null;
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
      disposeSample(this.sample); // the warm-up's batch was not a real step
      this.sample = null;
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

  /**
   * The full training state, read back with `await data()` (checkpoints): parameters and BN
   * statistics of every network, optimiser slots, step, generator, data position, configuration.
   */
  async snapshot(): Promise<CheckpointData> {
    if (this.disposed) throw new Error('Trainer used after dispose()');
    const epoch = this.data.epoch;
    const config = this.config;
    const s = this.saveState();
    try {
      const values = await Promise.all(s.tensors.map((t) => t.data() as Promise<Float32Array>));
      const names = this.stateSpecs().map((e) => e.name);
      return {
        config,
        step: s.steps,
        epoch,
        rng: { words: [...s.rng.words] as RngJson['words'], spare: s.rng.spare },
        dataRng: { words: [...s.dataRng.words] as RngJson['words'], spare: s.dataRng.spare },
        data: s.data,
        tensors: names.map((name, i) => ({ name, values: values[i] })),
      };
    } finally {
      for (const t of s.tensors) t.dispose();
    }
  }

  /**
   * Puts a checkpoint's state into this trainer in place (no new variables), live settings
   * included. Throws, naming what differs, when it belongs to another configuration or model.
   */
  restore(c: CheckpointData): void {
    if (this.disposed) throw new Error('Trainer used after dispose()');
    checkRestorable(c, this.cfg, this.stateSpecs(), this.data.trainCount);
    const tensors = c.tensors.map((t) => tf.tensor1d(t.values));
    const host = c.tensors.map((t) => t.values);
    const state = { steps: c.step, rng: c.rng, dataRng: c.dataRng, data: c.data, tensors, host };
    this.restoreState(state, true);
    this.cfg = parseConfig({ ...c.config });
  }

  /** Names and sizes of the tensors `saveState` returns, in its order. */
  private stateSpecs(): Array<{ name: string; size: number }> {
    const out: Array<{ name: string; size: number }> = [];
    for (const [name, n] of [
      ['q', this.nets.q],
      ['k', this.nets.k],
      ['mixer', this.nets.mixer],
    ] as const) {
      if (!n) continue;
      out.push({ name: `${name}.params`, size: n.params.size });
      if (n.stats) out.push({ name: `${name}.stats`, size: n.stats.size });
    }
    out.push({ name: 'optQ.slot', size: this.nets.q.params.size });
    if (this.optMixer && this.nets.mixer)
      out.push({ name: 'optMixer.slot', size: mixerSlotSize(this.optMixer, this.nets.mixer.params.size) });
    return out;
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
      // The host copy when there is one (a checkpoint): Adam reads its step counter from it.
      if (this.optMixer) {
        this.optMixer.setSlot(s.host?.[i] ?? (s.tensors[i] as tf.Tensor1D));
        i++;
      }
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

  /** Up to `k` mixed images of the last step's batch with their λ and labels; null before the first step. */
  lastBatchSamples(k: number): Promise<BatchSamples | null> {
    if (this.disposed || !this.sample) return Promise.resolve(null);
    return readSample(this.sample, this.steps, this.dataset, k);
  }

  /** Changes live settings (validated; throws listing the bad field). */
  setLive(p: Partial<Pick<RunConfig, LiveField>>): void {
    this.cfg = applyLivePatch(this.cfg, p);
  }

  /**
   * SAMix^P: the momentum encoder up to the Mixer's stage + the Mixer as a Mixer bundle (SAMix and
   * AutoMix runs; throws for other methods).
   */
  async exportMixerBundle(): Promise<MixerBundle> {
    if (this.disposed) throw new Error('Trainer used after dispose()');
    return exportMixerBundle(slMixerPieces(this.model, this.cfg, this.dataset, this.steps));
  }

  /** The online classifier's weights in the tfjs format (model.json + weights.bin). */
  async exportClassifierWeights(): Promise<{ modelJson: ClassifierWeightsJson; weightsBin: Uint8Array }> {
    if (this.disposed) throw new Error('Trainer used after dispose()');
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
