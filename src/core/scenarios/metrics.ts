/**
 * Per-step metrics travel as ONE small device tensor (no readback inside the step, rule R6, docs/architecture.md);
 * the trainer stacks many of them and reads them back with a single `await data()`.
 */
import * as tf from '@tensorflow/tfjs';
import { skippedTerms } from '../stepTerms';
import { LOSS_KEYS, type StepLosses, type StepMetrics, type StepPart } from '../trainerTypes';

/** Layout of the packed metrics vector. */
export const PACKED_KEYS = [...LOSS_KEYS, 'acc', 'maskMean', 'lamEff'] as const;
export type PackedKey = (typeof PACKED_KEYS)[number];

/** Stacks the given scalars in `PACKED_KEYS` order; missing entries become NaN. @returns `[K]` */
export function packMetrics(values: Partial<Record<PackedKey, tf.Scalar | number>>): tf.Tensor1D {
  return tf.tidy(() => {
    const parts = PACKED_KEYS.map((k) => {
      const v = values[k];
      return v === undefined ? tf.scalar(NaN) : typeof v === 'number' ? tf.scalar(v) : v;
    });
    return tf.stack(parts) as tf.Tensor1D;
  });
}

/** Sums scalars that exist (undefined entries are skipped); 0 if none. */
export function sumScalars(parts: Array<tf.Scalar | undefined>): tf.Scalar {
  const present = parts.filter((p): p is tf.Scalar => p !== undefined);
  return present.length === 0 ? tf.scalar(0) : (tf.addN(present) as tf.Scalar);
}

/** Host-side facts of a step, known without readback. */
export interface StepHostInfo {
  /** Which side a learned method's step updated (`both` unless a one-sided step was asked). */
  part?: StepPart;
  step: number;
  epoch: number;
  lamMb: number;
  /** λ_bb as drawn; NaN when the label weight is only known on the device (then `lamEff` is used). */
  lamBb: number;
  msPerStep: number;
}

/** Builds a StepMetrics from one packed row and the host facts. */
export function unpackMetrics(row: ArrayLike<number>, host: StepHostInfo): StepMetrics {
  const v = (k: PackedKey): number => row[PACKED_KEYS.indexOf(k)];
  const skipped = skippedTerms(host.part);
  // A term the method does not have is 0; a term this one-sided step skipped is NaN.
  const zeroIfNaN = (k: PackedKey & keyof StepLosses): number =>
    skipped.has(k) ? NaN : Number.isNaN(v(k)) ? 0 : v(k);
  return {
    step: host.step,
    epoch: host.epoch,
    lamMb: host.lamMb,
    lamBb: Number.isNaN(host.lamBb) ? v('lamEff') : host.lamBb,
    maskMean: v('maskMean'),
    loss: {
      total: v('total'),
      local: zeroIfNaN('local'),
      global: zeroIfNaN('global'),
      mixer: zeroIfNaN('mixer'),
      mask: zeroIfNaN('mask'),
      maskL1: zeroIfNaN('maskL1'),
      maskVar: zeroIfNaN('maskVar'),
      mixQ: zeroIfNaN('mixQ'),
      oneQ: zeroIfNaN('oneQ'),
    },
    acc: { train: host.part === 'mixer' ? NaN : v('acc') },
    msPerStep: host.msPerStep,
    ...(host.part && host.part !== 'both' ? { part: host.part } : {}),
  };
}
