/**
 * FLOP counts of the networks and of one training step, for achieved-GFLOP/s figures (bench, status
 * bar). Convention: a multiply-add is 2 FLOPs; convolutions and matrix products are counted, the
 * element-wise work (BN, activations, losses, the optimiser) is not — it is a few percent at most.
 * A training pass is counted as 3× its forward (forward + input gradient + weight gradient), a pass
 * that needs only the input gradient (the momentum encoder under the Mixer loss, PuzzleMix's
 * saliency) as 2×.
 */
import { LEARNED_METHODS, type RunConfig } from './config';
import { NUM_STAGES, STAGE_STRIDES, stageWidths } from './nets/resnet';

/** Image geometry a network sees. */
export interface ImageDims {
  height: number;
  width: number;
  channels: number;
  classes: number;
}

const conv = (ho: number, wo: number, k: number, ci: number, co: number): number =>
  2 * ho * wo * k * k * ci * co;

/**
 * Forward FLOPs of ResNet-mini on ONE image, up to stage `stages` (4 = the whole encoder).
 * @param width base width W
 */
export function resnetFlops(
  d: Pick<ImageDims, 'height' | 'width' | 'channels'>,
  width: number,
  stages = NUM_STAGES,
): number {
  const widths = stageWidths(width);
  let h = d.height;
  let w = d.width;
  let total = conv(h, w, 3, d.channels, width); // stem
  let cin = width;
  for (let s = 0; s < stages; s++) {
    const st = STAGE_STRIDES[s];
    h = Math.ceil(h / st);
    w = Math.ceil(w / st);
    const cout = widths[s];
    total += conv(h, w, 3, cin, cout) + conv(h, w, 3, cout, cout);
    if (st !== 1 || cin !== cout) total += conv(h, w, 1, cin, cout);
    cin = cout;
  }
  return total;
}

/** Spatial size after `stages` stages. */
function stageGrid(d: Pick<ImageDims, 'height' | 'width'>, stages: number): [number, number] {
  let h = d.height;
  let w = d.width;
  for (let s = 0; s < stages; s++) {
    h = Math.ceil(h / STAGE_STRIDES[s]);
    w = Math.ceil(w / STAGE_STRIDES[s]);
  }
  return [h, w];
}

/** Forward FLOPs of one linear head on one image. */
export function headFlops(width: number, classes: number): number {
  return 2 * stageWidths(width)[3] * classes;
}

/**
 * Forward FLOPs of the Mixer on ONE image (one pass) reading stage `stage` features.
 * SAMix: Q, K (2C → C/2), attention QKᵀ and P·v, value net C → C/2 → 1. AutoMix: shared embedding
 * C → C/2 on both inputs, value C → 1, attention.
 */
export function mixerFlops(
  d: Pick<ImageDims, 'height' | 'width'>,
  kind: 'samix' | 'automix',
  width: number,
  stage: number,
): number {
  const [h, w] = stageGrid(d, stage);
  const hw = h * w;
  const c = stageWidths(width)[stage - 1];
  const dd = Math.max(1, Math.floor(c / 2));
  const attention = 2 * hw * hw * dd + 2 * hw * hw;
  if (kind === 'automix') return 2 * (2 * hw * c * dd) + 2 * hw * c + attention;
  return 2 * (2 * hw * 2 * c * dd) + 2 * hw * c * dd + 2 * hw * dd + attention;
}

/** FLOPs of one training step, by network. */
export interface StepFlops {
  /** Online encoder and heads (forward and backward). */
  online: number;
  /** Momentum encoder (the Mixer's input and the Mixer objective's forward and input gradient). */
  momentum: number;
  /** The Mixer's passes (and its backward). */
  mixer: number;
  total: number;
}

/**
 * FLOPs of one training step of `cfg.method` at `cfg.batch` images (see the file comment):
 * ERM and the pixel methods 3·F (6·F with the clean-image CE; PuzzleMix + 2·F for its saliency);
 * AutoMix/SAMix: momentum encoder F_l (Z) + 2·F (x_mb, forward and input gradient), Mixer
 * 2 passes + the backward of one (4·F_mix), online encoder on x_bb and x (6·F).
 */
export function stepFlops(
  cfg: Pick<RunConfig, 'method' | 'batch' | 'width' | 'mixerStage' | 'cleanCE'>,
  d: ImageDims,
): StepFlops {
  const n = cfg.batch;
  const f = resnetFlops(d, cfg.width) + headFlops(cfg.width, d.classes); // one classifier forward
  if (LEARNED_METHODS.includes(cfg.method)) {
    const kind = cfg.method === 'automix' ? 'automix' : 'samix';
    const online = n * 6 * f;
    const momentum = n * (resnetFlops(d, cfg.width, cfg.mixerStage) + 2 * f);
    const mixer = n * 4 * mixerFlops(d, kind, cfg.width, cfg.mixerStage);
    return { online, momentum, mixer, total: online + momentum + mixer };
  }
  const passes = cfg.method !== 'erm' && cfg.cleanCE ? 2 : 1;
  const saliency = cfg.method === 'puzzlemix' ? 2 * f : 0;
  const online = n * (3 * passes * f + saliency);
  if (cfg.method === 'samixp') {
    // SAMix^P: the frozen f_k to stage l and one Mixer pass, forward only (at the run's width and
    // stage; a bundle from a run of another width costs accordingly).
    const momentum = n * resnetFlops(d, cfg.width, cfg.mixerStage);
    const mixer = n * mixerFlops(d, 'samix', cfg.width, cfg.mixerStage);
    return { online, momentum, mixer, total: online + momentum + mixer };
  }
  return { online, momentum: 0, mixer: 0, total: online };
}
