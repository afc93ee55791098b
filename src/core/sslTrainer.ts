/**
 * The self-supervised trainer (docs/ssl.md): MoCo v2 with a FIFO key queue, plus MoCo + Mixup /
 * CutMix and SSL SAMix (`method` 'erm' | 'mixup' | 'cutmix' | 'samix'). Same public surface as the
 * supervised `Trainer` (step → PendingStep, read, evaluate, probe, setLive, flopsPerStep, …), so the
 * worker loop and the headless command drive either.
 *
 * Training never reads a label. Labels are used only to MONITOR (ssl/monitor.ts): `evaluate()` is a
 * weighted kNN classifier on the online encoder's frozen features, `linearProbe()` a softmax
 * regression on the same features. What it shares with `Trainer` lives in trainerBase.ts.
 *
 * Metrics map onto `StepMetrics`: `loss.oneQ` = the contrastive (MoCo InfoNCE) loss of view 1,
 * `loss.mixQ` = the backbone's mixed-sample contrastive loss, `local`/`global`/`mixer`/`mask` = the
 * Mixer objective (SAMix), `acc.train` = instance-discrimination accuracy (positive above every
 * queue negative).
 */
import * as tf from '@tensorflow/tfjs';
import { parseConfig, type RunConfig } from './config';
import type { CheckpointData, RngJson } from './checkpoint';
import { compileOnlyPass } from './compileOnly';
import type { ImageDataset } from '../data/types';
import { makeMixerOptimizer, type FlatOptimizer } from './nets/mixerOptimizer';
import { trainableVariables } from './nets/params';
import { Sgd } from './nets/sgd';
import { probeModel } from './probe';
import { Rng } from '../lib/random';
import { ResidentData } from './residentData';
import { readPendingSteps } from './pendingStep';
import {
  applySslState,
  checkSslCheckpoint,
  readSslState,
  sslStateTensors,
  type SslStateParts,
} from './sslState';
import { disposeSample } from './scenarios/batchSample';
import { sslStep } from './scenarios/sslStep';
import type { MixerPieces } from './weights/mixerBundle';
import { sslMixerPieces } from './weights/runExports';
import { buildSslNets, disposeSslNets, sslStepFlops, type SslNets } from './ssl/model';
import { frozenLinearProbe, knnEvaluate, type MonitorInput } from './ssl/monitor';
import { KeyQueue } from './ssl/queue';
import { viewOptionsFor, type ViewOptions } from './sslViews';
import { SGD_MOMENTUM, type PendingStep, type TrainerOptions } from './trainer';
import { TrainerBase } from './trainerBase';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from './trainerTypes';

export { KNN_BANK_SIZE } from './ssl/monitor';

/** Everything of a run's state that lives outside the tensors (what a warm-up puts back). */
interface HostMark {
  ptr: number;
  steps: number;
  rng: ReturnType<Rng['getState']>;
  data: ReturnType<ResidentData['getState']>;
}

export class SslTrainer extends TrainerBase {
  readonly data: ResidentData;
  private readonly rng: Rng;
  private readonly probeRng: Rng;
  private readonly nets: SslNets;
  private readonly queue: KeyQueue;
  private readonly optQ: Sgd;
  private readonly optMixer: FlatOptimizer | null;
  /** What holds tensor state (sslState.ts: warm-up, checkpoints). */
  private readonly parts: SslStateParts;
  private readonly views: ViewOptions;

  constructor(config: RunConfig, data: ImageDataset, opts: TrainerOptions = {}) {
    super('SslTrainer', config, data);
    const cfg = this.cfg;
    if (cfg.scenario !== 'ssl') throw new Error('SslTrainer needs scenario ssl');
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
   * Shader warm-up before the first timed step, as `Trainer.warmup()`: on webgl/webgpu a compile-only
   * pass of one step (compileOnly.ts: every program compiles in parallel without running), then one
   * real step, read back. Both run on the trainer's state and are undone exactly (parameters, BN
   * statistics, optimiser slots, the queue, the generator, the data order, the step count), so a
   * warmed-up run equals one that was not, bit for bit.
   * @returns its wall time in ms
   */
  async warmup(): Promise<number> {
    this.checkAlive();
    const t0 = performance.now();
    const saved = sslStateTensors(this.parts);
    const mark: HostMark = {
      ptr: this.queue.pointer,
      steps: this.steps,
      rng: this.rng.getState(),
      data: this.data.getState(),
    };
    try {
      await compileOnlyPass(() => this.step('both').packed.dispose());
      this.putBack(saved, mark);
      await this.read([this.step('both')]);
    } finally {
      this.putBack(saved, mark);
      tf.dispose(saved);
    }
    return performance.now() - t0;
  }

  /** Puts a warm-up's saved state back (`saved` stays the caller's); drops the warm-up's batch. */
  private putBack(saved: tf.Tensor1D[], mark: HostMark): void {
    applySslState(this.parts, saved, mark.ptr);
    this.steps = mark.steps;
    this.rng.setState(mark.rng);
    this.data.setState(mark.data);
    disposeSample(this.sample); // the warm-up's batch was not a real step
    this.sample = null;
  }

  /**
   * The full training state, read back with `await data()` (checkpoints; sslState.ts lists the
   * tensors). SSL draws data order and mixing from one generator: `dataRng` repeats `rng`.
   */
  async snapshot(): Promise<CheckpointData> {
    this.checkAlive();
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
    this.checkAlive();
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
    return this.takeStep(part, [this.nets.q, this.nets.k], (step) =>
      sslStep(
        {
          cfg: this.cfg,
          data: this.data,
          rng: this.rng,
          nets: this.nets,
          queue: this.queue,
          optQ: this.optQ,
          optMixer: this.optMixer,
          views: this.views,
          step,
        },
        part,
      ),
    );
  }

  /** Reads back many pending steps with one stack + `await data()`; disposes their tensors. */
  read(pending: PendingStep[]): Promise<StepMetrics[]> {
    return readPendingSteps(pending);
  }

  /** What the label-using monitors read (ssl/monitor.ts). */
  private get monitorInput(): MonitorInput {
    return { nets: this.nets, data: this.data, cfg: this.cfg, classes: this.dataset.classes.length };
  }

  /** kNN accuracy of the test images (reported as `knnAcc` and as `testAccQ`; `testAccK` NaN). */
  evaluate(): Promise<EvalResult> {
    return knnEvaluate(this.monitorInput, this.steps);
  }

  /**
   * Linear probe on frozen features (`probeEpochs` epochs on the kNN bank's features, scored on the
   * test features), with its own generator: it changes nothing in the run.
   * @returns test accuracy of the probe
   */
  linearProbe(): Promise<number> {
    return frozenLinearProbe(this.monitorInput);
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

  /** The Mixer bundle's pieces (`exportMixerBundle`): the momentum encoder f_k + Mixer of SSL SAMix. */
  protected mixerPieces(): MixerPieces {
    return sslMixerPieces(this.nets, this.cfg, this.dataset, this.steps);
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
