/**
 * What a trainer reports and what the worker loop and the headless command consume. Pure types.
 */

/** Loss components of one step (docs/method.md). Zero where a method has no such term. */
export interface StepLosses {
  /** Everything the optimisers minimised this step. */
  total: number;
  /** ℓ_local of the Mixer objective (two-way CE over the two mixed classes). */
  local: number;
  /** ℓ_global of the Mixer objective (mode given by `etaMode`). */
  global: number;
  /** η-weighted Mixer objective ℓ_local + η·ℓ_global (or the code-faithful mixup CE). */
  mixer: number;
  /** Weighted mask loss w·(L1 − 2·Var) (or w·L1). */
  mask: number;
  /** Unweighted L1 part of the mask loss. */
  maskL1: number;
  /** Unweighted batch-global variance of the mask. */
  maskVar: number;
  /** Mixup CE of the online encoder on the backbone's mixed batch (L_mix_q). */
  mixQ: number;
  /** Clean one-hot CE of the online encoder (L_one_q); 0 where a method has none. */
  oneQ: number;
}

/** The loss components in their one order: metrics packing, CSV columns, bundles and stored runs. */
export const LOSS_KEYS = [
  'total',
  'local',
  'global',
  'mixer',
  'mask',
  'maskL1',
  'maskVar',
  'mixQ',
  'oneQ',
] as const satisfies ReadonlyArray<keyof StepLosses>;

export interface StepMetrics {
  step: number;
  epoch: number;
  /** λ of the Mixer's own sample (learned methods; NaN otherwise). */
  lamMb: number;
  /** λ of the backbone's sample (every mixing method; 1 for ERM). */
  lamBb: number;
  /** Mean of the backbone mask's channel 0 (weight of the un-shuffled image). */
  maskMean: number;
  loss: StepLosses;
  /** Training accuracy on the batch (argmax against the dominant label of mixed samples). */
  acc: { train: number };
  /** Wall time of the step, ms (host side, including readback amortised per report). */
  msPerStep: number;
  /** A one-sided step of a learned method (`mixer` or `classifier`); absent for a full step. */
  part?: StepPart;
}

export interface EvalResult {
  step: number;
  /** Test accuracy of the online encoder (head `one`, or `mix` for methods without it). */
  testAccQ: number;
  /** Test accuracy of the momentum (EMA) encoder; NaN where a method has none. */
  testAccK: number;
  /**
   * Object-kept score of the method's masks on fixed test pairs (objectKept.ts: 1 for masks that ignore
   * the images, up to 2); only on datasets with object masks, for methods that mix pixels in place.
   */
  objectKept?: number;
  /** SSL: weighted kNN accuracy of the test split against a train-split memory bank (= testAccQ). */
  knnAcc?: number;
  /** SSL, the run's last evaluation only: test accuracy of the linear probe on frozen features. */
  probeAcc?: number;
}

/** One probe pair rendered by the current method: everything the mask gallery shows. */
export interface ProbePair {
  indexA: number;
  indexB: number;
  labelA: number;
  labelB: number;
  /** λ the mask was asked for. */
  lam: number;
  /** Effective λ: mean of channel 0 (weight of A). */
  lamEff: number;
  /** Images as float RGB(A-free) in [0,1], HWC, channels as in the dataset. */
  imageA: Float32Array;
  imageB: Float32Array;
  mixed: Float32Array;
  /** Mask m (weight of B), H×W in [0,1]. */
  mask: Float32Array;
  /** Share of A's / B's ground-truth object visible in the mix (shapes only; NaN otherwise). */
  objectKeptA: number;
  objectKeptB: number;
}

export interface ProbeResult {
  step: number;
  height: number;
  width: number;
  channels: number;
  pairs: ProbePair[];
}

/** Which sub-objective a single step updates (SAMix/AutoMix can step one side only). */
export type StepPart = 'both' | 'mixer' | 'classifier';

/** A few mixed images of the last training step's batch (what the classifier actually saw). */
export interface BatchSamples {
  /** The step that trained on them (1-based, as in StepMetrics). */
  step: number;
  height: number;
  width: number;
  channels: number;
  /** Mixed images, uint8 HWC (de-normalised), one per sample. */
  images: Uint8Array[];
  /** Label weight of class A (the un-shuffled image) per sample. */
  lam: number[];
  labelA: number[];
  labelB: number[];
}

/** One verdict of the backend self-check (selfCheck.ts), with the numbers behind it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** The measured numbers (and the expected ones when the check failed). */
  detail: string;
}
