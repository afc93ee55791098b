/**
 * What the supervised `Trainer` (trainer.ts) and the self-supervised `SslTrainer` (sslTrainer.ts)
 * share: the configuration with its live settings, the step counter, the use-after-dispose guard,
 * the last step's batch sample (the "Current batch" gallery) and the SAMix^P Mixer-bundle export.
 * Each subclass builds its own networks and supplies the bundle's pieces.
 */
import { applyLivePatch, parseConfig, type LiveField, type RunConfig } from './config';
import type { ImageDataset } from '../data/types';
import { flushFusedSaves } from './nets/fused';
import type { PendingStep } from './pendingStep';
import { disposeSample, readSample, type StepSample } from './scenarios/batchSample';
import type { BatchSamples, StepPart } from './trainerTypes';
import { exportMixerBundle, type MixerPieces } from './weights/mixerBundle';
import type { MixerBundle } from './weights/mixerManifest';

export abstract class TrainerBase {
  readonly dataset: ImageDataset;
  /** The configuration in use (validated; live edits and restores replace it). */
  protected cfg: RunConfig;
  protected steps = 0;
  protected disposed = false;
  /** First rows of the last step's batch (kept on the device, replaced every step). */
  protected sample: StepSample | null = null;

  /**
   * @param kind the class name errors use ("Trainer used after dispose()")
   * @param config a validated run configuration (re-checked here)
   */
  protected constructor(
    private readonly kind: string,
    config: RunConfig,
    data: ImageDataset,
  ) {
    this.cfg = parseConfig({ ...config });
    this.dataset = data;
  }

  /** A copy of the configuration in use (live edits included). */
  get config(): RunConfig {
    return { ...this.cfg };
  }

  /** Steps taken so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** @throws once the trainer was disposed */
  protected checkAlive(): void {
    if (this.disposed) throw new Error(`${this.kind} used after dispose()`);
  }

  /**
   * One step of `run` with the bookkeeping both trainers share: the alive check, the host time, the
   * fused ops' saved tensors flushed and the flat storage of `nets` marked dirty (also when the step
   * throws), the batch sample kept, the step counter.
   */
  protected takeStep(
    part: StepPart,
    nets: Array<{ markDirty(): void } | null>,
    run: (step: number) => {
      packed: PendingStep['packed'];
      lamMb: number;
      lamBb: number;
      sample?: StepSample | null;
    },
  ): PendingStep {
    this.checkAlive();
    const t0 = performance.now();
    let out;
    try {
      out = run(this.steps);
    } finally {
      flushFusedSaves();
      for (const n of nets) n?.markDirty();
    }
    this.steps += 1;
    disposeSample(this.sample);
    this.sample = out.sample ?? null;
    return {
      packed: out.packed,
      info: { step: this.steps, epoch: this.epoch, lamMb: out.lamMb, lamBb: out.lamBb, part },
      hostMs: performance.now() - t0,
    };
  }

  /** Fractional epoch (training samples drawn / training images). */
  abstract get epoch(): number;

  /** Up to `k` images of the last step's batch with their λ and labels; null before the first step. */
  lastBatchSamples(k: number): Promise<BatchSamples | null> {
    if (this.disposed || !this.sample) return Promise.resolve(null);
    return readSample(this.sample, this.steps, this.dataset, k);
  }

  /** Changes live settings (validated; throws listing the bad field). */
  setLive(p: Partial<Pick<RunConfig, LiveField>>): void {
    this.cfg = applyLivePatch(this.cfg, p);
  }

  /**
   * SAMix^P: the momentum encoder up to the Mixer's stage + the Mixer as a Mixer bundle (runs that
   * train a Mixer; throws naming the method for the others).
   */
  async exportMixerBundle(): Promise<MixerBundle> {
    this.checkAlive();
    return exportMixerBundle(this.mixerPieces());
  }

  /** The bundle's pieces from this run's networks (throws when the run has no Mixer). */
  protected abstract mixerPieces(): MixerPieces;
}
