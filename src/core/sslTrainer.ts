/**
 * The self-supervised trainer (spec §5, §9.3): MoCo v2 with a FIFO key queue, plus MoCo + Mixup /
 * CutMix and SSL SAMix (`method` 'erm' | 'mixup' | 'cutmix' | 'samix'). Same public surface as the
 * supervised `Trainer` (step → PendingStep, read, evaluate, probe, setLive, flopsPerStep, …), so the
 * worker loop and the headless command drive either.
 *
 * Training never reads a label. Labels are used only to MONITOR: `evaluate()` is a weighted kNN
 * classifier (cosine, k = `knnK`, τ = `knnTemperature`) of the test images against a memory bank of
 * the first `KNN_BANK_SIZE` training images, on the online encoder's GAP features (inference-mode
 * BN); `linearProbe()` trains softmax regression on the same frozen features.
 *
 * Metrics map onto `StepMetrics`: `loss.oneQ` = the contrastive (MoCo InfoNCE) loss of view 1,
 * `loss.mixQ` = the backbone's mixed-sample contrastive loss, `local`/`global`/`mixer`/`mask` = the
 * Mixer objective (SAMix), `acc.train` = instance-discrimination accuracy (positive above every
 * queue negative).
 */
import * as tf from '@tensorflow/tfjs';
import { applyLivePatch, parseConfig, type LiveField, type RunConfig } from './config';
import type { CheckpointData, RngJson } from './checkpoint';
import type { ImageDataset } from '../data/types';
import { flushFusedSaves } from './nets/fused';
import { makeMixerOptimizer, type FlatOptimizer } from './nets/mixerOptimizer';
import { trainableVariables } from './nets/params';
import { Sgd } from './nets/sgd';
import { probeModel } from './probe';
import { Rng } from './random';
import { ResidentData } from './residentData';
import { readPendingSteps } from './pendingStep';
import {
  applySslState,
  checkSslCheckpoint,
  readSslState,
  sslStateTensors,
  type SslStateParts,
} from './sslState';
import { disposeSample, readSample, type StepSample } from './scenarios/batchSample';
import { sslStep, type SslContext } from './scenarios/sslStep';
import { knnCorrect } from './ssl/knn';
import { linearProbe } from './ssl/linearProbe';
import { exportMixerBundle } from './weights/mixerBundle';
import type { MixerBundle } from './weights/mixerManifest';
import { sslMixerPieces } from './weights/runExports';
import { buildSslNets, disposeSslNets, frozenFeatures, sslStepFlops, type SslNets } from './ssl/model';
import { KeyQueue } from './ssl/queue';
import { viewOptionsFor, type ViewOptions } from './sslViews';
import { SGD_MOMENTUM, type PendingStep, type TrainerOptions } from './trainer';
import type { BatchSamples, EvalResult, ProbeResult, StepMetrics, StepPart } from './trainerTypes';

/** Training images in the kNN memory bank and the linear probe's training set. */
export const KNN_BANK_SIZE = 4096;
/** Images per inference forward. */
const FEATURE_BATCH = 250;

export class SslTrainer {
  readonly data: ResidentData;
  readonly dataset: ImageDataset;
  private cfg: RunConfig;
  private readonly rng: Rng;
  private readonly probeRng: Rng;
  private readonly nets: SslNets;
  private readonly queue: KeyQueue;
  private readonly optQ: Sgd;
  private readonly optMixer: FlatOptimizer | null;
  /** What holds tensor state (sslState.ts: warm-up, checkpoints). */
  private readonly parts: SslStateParts;
  private readonly views: ViewOptions;
  private steps = 0;
  private disposed = false;
  /** The last step's first rows (the "Current batch" gallery). */
  private sample: StepSample | null = null;

  constructor(config: RunConfig, data: ImageDataset, opts: TrainerOptions = {}) {
    this.cfg = parseConfig({ ...config });
    const cfg = this.cfg;
    if (cfg.scenario !== 'ssl') throw new Error('SslTrainer needs scenario ssl');
    this.dataset = data;
    this.rng = new Rng(cfg.seed);
    this.nets = buildSslNets(this.rng, cfg, data.channels);
    this.queue = new KeyQueue(this.rng, cfg.queueSize, cfg.projDim);
    this.probeRng = opts.probeSeed !== undefined ? new Rng(opts.probeSeed) : this.rng.fork();
    this.data = new ResidentData(data, { trainSize: cfg.trainSize, testSize: cfg.testSize });
    const sgd = { momentum: SGD_MOMENTUM, weightDecay: cfg.weightDecay };
    this.optQ = new Sgd([this.nets.q.params, this.nets.qFc2.w, this.nets.qFc2.b], sgd);
    this.optMixer = this.nets.mixer ? makeMixerOptimizer(cfg, trainableVariables(this.nets.mixer)) : null;
    this.parts = { nets: this.nets, queue: this.queue, optQ: this.optQ, optMixer: this.optMixer };
    this.views = viewOptionsFor(data);
  }

  get config(): RunConfig {
    return { ...this.cfg };
  }

  get stepCount(): number {
    return this.steps;
  }

  get epoch(): number {
    return this.data.epoch;
  }

  /** FLOPs of one training step (flops.ts conventions; see `sslStepFlops`). */
  get flopsPerStep(): number {
    const d = this.dataset;
    return sslStepFlops(this.cfg, { height: d.height, width: d.width, channels: d.channels, classes: 0 });
  }

  /** The key queue (tests). */
  get keyQueue(): KeyQueue {
    return this.queue;
  }

  /**
   * Compiles kernels with one throw-away step, then puts everything back exactly (parameters, BN
   * statistics, optimiser slots, the queue, the generator and the data order).
   * @returns its wall time in ms
   */
  async warmup(): Promise<number> {
    if (this.disposed) throw new Error('SslTrainer used after dispose()');
    const t0 = performance.now();
    const saved = sslStateTensors(this.parts);
    const [ptr, steps] = [this.queue.pointer, this.steps];
    const [rng, data] = [this.rng.getState(), this.data.getState()];
    try {
      await this.read([this.step('both')]);
    } finally {
      applySslState(this.parts, saved, ptr);
      this.steps = steps;
      this.rng.setState(rng);
      this.data.setState(data);
      tf.dispose(saved);
      disposeSample(this.sample); // the warm-up's batch was not a real step
      this.sample = null;
    }
    return performance.now() - t0;
  }

  /**
   * The full training state, read back with `await data()` (checkpoints; sslState.ts lists the
   * tensors). SSL draws data order and mixing from one generator: `dataRng` repeats `rng`.
   */
  async snapshot(): Promise<CheckpointData> {
    if (this.disposed) throw new Error('SslTrainer used after dispose()');
    const [config, step, epoch, data] = [this.config, this.steps, this.data.epoch, this.data.getState()];
    const s = this.rng.getState();
    const rng = (): RngJson => ({ words: [...s.words] as RngJson['words'], spare: s.spare });
    const tensors = await readSslState(this.parts);
    return { config, step, epoch, rng: rng(), dataRng: rng(), data, tensors };
  }

  /**
   * Puts a checkpoint's state into this trainer in place, live settings included. Throws, naming
   * what differs, for another configuration or model (a supervised run's checkpoint included).
   */
  restore(c: CheckpointData): void {
    if (this.disposed) throw new Error('SslTrainer used after dispose()');
    const ptr = checkSslCheckpoint(c, this.parts, this.cfg, this.data.trainCount);
    const values = c.tensors.map((t) => t.values);
    applySslState(this.parts, values, ptr);
    this.steps = c.step;
    this.rng.setState(c.rng);
    this.data.setState(c.data);
    this.cfg = parseConfig({ ...c.config });
  }

  /** One training step; `part` 'mixer' | 'classifier' restricts SAMix's update to φ or to θ_q. */
  step(part: StepPart = 'both'): PendingStep {
    if (this.disposed) throw new Error('SslTrainer used after dispose()');
    const t0 = performance.now();
    const ctx: SslContext = {
      cfg: this.cfg,
      data: this.data,
      rng: this.rng,
      nets: this.nets,
      queue: this.queue,
      optQ: this.optQ,
      optMixer: this.optMixer,
      views: this.views,
      step: this.steps,
    };
    let out;
    try {
      out = sslStep(ctx, part);
      disposeSample(this.sample);
      this.sample = out.sample;
    } finally {
      flushFusedSaves();
      this.nets.q.markDirty();
      this.nets.k.markDirty();
    }
    this.steps += 1;
    return {
      packed: out.packed,
      info: { step: this.steps, epoch: this.data.epoch, lamMb: out.lamMb, lamBb: out.lamBb },
      hostMs: performance.now() - t0,
    };
  }

  /** Reads back many pending steps with one stack + `await data()`; disposes their tensors. */
  read(pending: PendingStep[]): Promise<StepMetrics[]> {
    return readPendingSteps(pending);
  }

  /** Frozen online-encoder features `[n, 8W]` of `count` images from `x` (inference mode). */
  private features(x: tf.Tensor4D, count: number): tf.Tensor2D {
    this.nets.q.sync();
    const enc = this.nets.qBody.encoder;
    return tf.tidy(() => {
      const parts: tf.Tensor2D[] = [];
      for (let s = 0; s < count; s += FEATURE_BATCH) {
        const e = Math.min(count, s + FEATURE_BATCH);
        parts.push(frozenFeatures(enc, tf.slice(x, [s, 0, 0, 0], [e - s, -1, -1, -1])));
      }
      return tf.concat(parts) as tf.Tensor2D;
    });
  }

  /** The memory bank (first `KNN_BANK_SIZE` training images) and the test features, with labels. */
  private featureSets(): { bank: tf.Tensor2D; bankY: tf.Tensor1D; test: tf.Tensor2D; testY: tf.Tensor1D } {
    const m = Math.min(KNN_BANK_SIZE, this.data.trainCount);
    return {
      bank: this.features(this.data.trainX, m),
      bankY: tf.slice(this.data.trainY, [0], [m]),
      test: this.features(this.data.testX, this.data.testCount),
      testY: this.data.testY,
    };
  }

  /** kNN accuracy of the test images (reported as `knnAcc` and as `testAccQ`; `testAccK` NaN). */
  async evaluate(): Promise<EvalResult> {
    const step = this.steps;
    if (this.data.testCount === 0) return { step, testAccQ: NaN, testAccK: NaN, knnAcc: NaN };
    const f = this.featureSets();
    const correct = tf.tidy(() =>
      knnCorrect(f.bank, f.bankY, f.test, f.testY, {
        k: this.cfg.knnK,
        temperature: this.cfg.knnTemperature,
        classes: this.dataset.classes.length,
      }),
    );
    f.bank.dispose();
    f.bankY.dispose();
    f.test.dispose();
    const [c] = await correct.data();
    correct.dispose();
    const knnAcc = c / this.data.testCount;
    return { step, testAccQ: knnAcc, testAccK: NaN, knnAcc };
  }

  /**
   * Linear probe on frozen features: softmax regression for `probeEpochs` epochs on the bank's
   * features, scored on the test features. Uses its own generator (seeded from the run seed), so it
   * changes nothing in the run.
   * @returns test accuracy of the probe
   */
  async linearProbe(): Promise<number> {
    if (this.data.testCount === 0) return NaN;
    const f = this.featureSets();
    try {
      return await linearProbe(f.bank, f.bankY, f.test, f.testY, new Rng(this.cfg.seed + 7919), {
        epochs: this.cfg.probeEpochs,
        classes: this.dataset.classes.length,
      });
    } finally {
      f.bank.dispose();
      f.bankY.dispose();
      f.test.dispose();
    }
  }

  /** The method's masks for test-image pairs (SAMix: the Mixer on the momentum encoder's features). */
  probe(pairs: Array<[number, number]>, lam: number): Promise<ProbeResult> {
    this.nets.q.sync();
    this.nets.k.sync();
    const head = (b: SslNets['qBody']) => ({ encoder: b.encoder, heads: { mix: b.fc1, one: b.fc1 } });
    const model = {
      q: head(this.nets.qBody),
      k: this.nets.mixer ? head(this.nets.kBody) : null,
      mixer: this.nets.mixer,
    };
    return probeModel(model, this.cfg, this.dataset, pairs, lam, this.probeRng, this.steps);
  }

  /**
   * Up to `k` images of the last step's backbone batch (x_bb of view 1 ⊕ view 2, or view 1 for plain
   * MoCo), with both sources' labels and λ, or null before the first step.
   */
  lastBatchSamples(k: number): Promise<BatchSamples | null> {
    if (this.disposed || !this.sample) return Promise.resolve(null);
    return readSample(this.sample, this.steps, this.dataset, k);
  }

  /** Changes live settings (validated; throws listing the bad field). */
  setLive(p: Partial<Pick<RunConfig, LiveField>>): void {
    this.cfg = applyLivePatch(this.cfg, p);
  }

  /** SAMix^P: the momentum encoder up to the Mixer's stage + the Mixer as a Mixer bundle (SSL SAMix). */
  async exportMixerBundle(): Promise<MixerBundle> {
    if (this.disposed) throw new Error('SslTrainer used after dispose()');
    return exportMixerBundle(sslMixerPieces(this.nets, this.cfg, this.dataset, this.steps));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeSslNets(this.nets);
    disposeSample(this.sample);
    this.sample = null;
    this.queue.dispose();
    this.optQ.dispose();
    this.optMixer?.dispose();
    this.data.dispose();
  }
}
