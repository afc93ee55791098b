/**
 * SAMix^P (docs/samixp.md): the Mixer bundle written from any SAMix/AutoMix run — SL or SSL — and the
 * frozen pair loaded back from it.
 *
 * `exportMixerBundle` takes the model PIECES (the momentum encoder's tree, the Mixer's tree, the run's
 * facts), not a trainer, so the supervised and the self-supervised trainer share it. It writes
 * f_k's stem and stages 1..l (weights and BN moving statistics) and the Mixer, in the tfjs format.
 *
 * `PretrainedMixer` holds the frozen copies as non-trainable variables and produces a run's backbone
 * mask in inference mode (moving BN statistics, nothing updated): the target batch is mapped to the
 * source's input — pixel values re-normalised with the source statistics, grayscale replicated to
 * RGB, resized (bilinear) to the bundle's input size when the sizes differ — then one forward of f_k
 * to stage l (BN folded into the convolutions, frozenEncoder.ts) and one Mixer pass whose mask is
 * upsampled straight to the run's image size.
 */
import * as tf from '@tensorflow/tfjs';
import { maskAdjust, lamMarginFallback } from '../mask';
import type { MaskSource } from '../methods/types';
import { mixerForward, type MixerParams } from '../nets/mixer';
import type { Viewed } from '../nets/flat';
import { disposeParams } from '../nets/params';
import type { ResNetParams } from '../nets/resnet';
import { disposeFolded, foldedForward, foldEncoder, type FoldedEncoder } from './frozenEncoder';
import type { Rng } from '../../lib/random';
import {
  channelMismatch,
  MIXER_FORMAT,
  MIXER_VERSION,
  readMixerBundle,
  type MixerBundle,
  type MixerManifest,
} from './mixerManifest';
import { decodeNamedTensors, encodeNamedTensors, namedTensorsOf, treeFromNamed } from './tfjsWeights';
import { WeightsFormatError } from './weightSpecs';

/** What a bundle is made of: the networks and the facts of the run that trained them. */
export interface MixerPieces {
  /** The momentum encoder f_k (variables or views); only the stem and stages 1..mixerStage are written. */
  encoder: ResNetParams | Viewed<ResNetParams>;
  mixer: MixerParams | Viewed<MixerParams>;
  mixerStage: number;
  lamMulK: number;
  /** The Mixer's `mixerLocal` and `maskFit` options (architecture: a SAMix^P run uses them as trained). */
  mixerLocal: boolean;
  maskFit: boolean;
  width: number;
  /** The source images `[H, W, C]`. */
  inputShape: [number, number, number];
  normalization: { mean: number[]; std: number[] };
  sourceDataset: string;
  steps: number;
  seed: number;
  scenario: 'sl' | 'ssl';
}

/** Writes the bundle (reads the tensors' values; they stay the caller's). */
export async function exportMixerBundle(p: MixerPieces, now: Date = new Date()): Promise<MixerBundle> {
  const partial = { stem: p.encoder.stem, blocks: p.encoder.blocks.slice(0, p.mixerStage) };
  const named = [...namedTensorsOf(partial, 'encoder'), ...namedTensorsOf(p.mixer, 'mixer')];
  const { specs, data } = await encodeNamedTensors(named);
  const manifest: MixerManifest = {
    format: MIXER_FORMAT,
    version: MIXER_VERSION,
    inputShape: [...p.inputShape],
    channels: p.inputShape[2],
    mixerStage: p.mixerStage,
    mixerVariant: p.mixer.kind,
    lamMulK: p.lamMulK,
    mixerLocal: p.mixerLocal,
    maskFit: p.maskFit,
    width: p.width,
    sourceDataset: p.sourceDataset,
    steps: p.steps,
    seed: p.seed,
    normalization: { mean: [...p.normalization.mean], std: [...p.normalization.std] },
    scenario: p.scenario,
    weightSpecs: specs,
    createdAt: now.toISOString(),
  };
  return readMixerBundle(JSON.parse(JSON.stringify(manifest)), data); // what a reader will see
}

/** The images a run feeds the frozen pair: size, channels and normalisation of its dataset. */
export interface TargetImages {
  height: number;
  width: number;
  channels: number;
  mean: readonly number[];
  std: readonly number[];
}

/** How the backbone mask is finished (docs/samixp.md: lam_margin fallback, optional mask_adjust). */
export interface PretrainedOptions {
  lamMargin: number;
  /** Probability of re-normalising the mask mean to λ (one coin per step from the run generator). */
  maskAdjust: number;
}

/** The frozen f_k (to stage l) + Mixer of a bundle, in inference mode. */
export class PretrainedMixer implements MaskSource {
  readonly manifest: MixerManifest;
  /** f_k to stage l with its BN folded into the convolutions (frozenEncoder.ts). */
  private readonly encoder: FoldedEncoder;
  private readonly mixer: MixerParams;
  /** Per-channel affine from the run's normalisation to the source's, `[C_s]` (null = identity). */
  private readonly affine: { scale: tf.Tensor1D; shift: tf.Tensor1D } | null;
  private readonly replicate: boolean;
  private readonly resizeTo: [number, number] | null;
  private readonly outSize: [number, number];
  private disposed = false;

  /**
   * @throws WeightsFormatError naming the field (`channels`, a weight, …); nothing stays allocated
   */
  constructor(
    bundle: MixerBundle,
    target: TargetImages,
    private readonly opts: PretrainedOptions,
  ) {
    const m = readMixerBundle(bundle.manifest, bundle.weights).manifest; // re-validated: may come from anywhere
    const mismatch = channelMismatch(m, target.channels);
    if (mismatch) throw new WeightsFormatError('channels', mismatch);
    if (target.mean.length !== target.channels || target.std.length !== target.channels)
      throw new Error(
        `the run's normalisation has ${target.mean.length} channels, its images ${target.channels}`,
      );
    this.manifest = m;
    const named = decodeNamedTensors(m.weightSpecs, bundle.weights);
    let encoder: ResNetParams | null = null;
    try {
      encoder = treeFromNamed(named, 'encoder', false) as unknown as ResNetParams;
      this.mixer = {
        ...treeFromNamed(named, 'mixer', false),
        kind: m.mixerVariant,
      } as unknown as MixerParams;
    } catch (e) {
      disposeParams(encoder);
      throw e;
    } finally {
      for (const t of Object.values(named)) t.dispose();
    }
    try {
      this.encoder = foldEncoder(encoder, m.mixerStage);
    } finally {
      disposeParams(encoder); // the folded copy is all the forward needs
    }
    const [hs, ws, cs] = m.inputShape;
    this.replicate = target.channels === 1 && cs === 3;
    this.resizeTo = hs === target.height && ws === target.width ? null : [hs, ws];
    this.outSize = [target.height, target.width];
    // x_src,c = (x·std_t[c'] + mean_t[c'] − mean_s[c]) / std_s[c], c' = c or 0 when replicated.
    const src = (c: number): number => (this.replicate ? 0 : c);
    const scale = m.normalization.std.map((s, c) => target.std[src(c)] / s);
    const shift = m.normalization.mean.map((mu, c) => (target.mean[src(c)] - mu) / m.normalization.std[c]);
    const identity = scale.every((v) => Math.abs(v - 1) < 1e-7) && shift.every((v) => Math.abs(v) < 1e-7);
    this.affine = identity ? null : { scale: tf.tensor1d(scale), shift: tf.tensor1d(shift) };
  }

  /**
   * The run's images as the frozen encoder's input. @param x `[N, H, W, C_t]` normalised for the run
   * @returns `[N, H_s, W_s, C_s]` normalised for the source
   */
  sourceInput(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      if (this.resizeTo) h = tf.image.resizeBilinear(h, this.resizeTo, false, true);
      if (this.replicate) h = tf.tile(h, [1, 1, 1, 3]);
      if (this.affine) h = tf.add(tf.mul(h, this.affine.scale), this.affine.shift) as tf.Tensor4D;
      return h === x ? tf.clone(x) : h;
    });
  }

  /**
   * The frozen Mixer's raw mask (weight of x[σ]) for a run batch: one inference forward of f_k to
   * stage l, one Mixer pass. @returns `[N, H, W, 1]` at the run's image size
   */
  rawMask(x: tf.Tensor4D, perm: Int32Array, lam: number): tf.Tensor4D {
    if (this.disposed) throw new Error('PretrainedMixer used after dispose()');
    const m = this.manifest;
    return tf.tidy(() => {
      const xs = this.sourceInput(x);
      const z = foldedForward(this.encoder, xs); // [N, h_l, w_l, C_l]
      return mixerForward(this.mixer, { z, perm }, lam, {
        outSize: this.outSize,
        lamMulK: m.lamMulK,
        training: false,
        local: m.mixerLocal,
        fit: m.maskFit,
      }).m;
    });
  }

  /** The backbone mask of a step (MaskSource): raw mask, optional mask_adjust coin, lam_margin fallback. */
  mask(x: tf.Tensor4D, perm: Int32Array, lam: number, rng: Rng): tf.Tensor4D {
    const adjust = this.opts.maskAdjust > 0 && rng.uniform() < this.opts.maskAdjust;
    return tf.tidy(() => {
      const raw = this.rawMask(x, perm, lam);
      return lamMarginFallback(adjust ? maskAdjust(raw, lam) : raw, lam, this.opts.lamMargin);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeFolded(this.encoder);
    disposeParams(this.mixer);
    this.affine?.scale.dispose();
    this.affine?.shift.dispose();
  }
}
