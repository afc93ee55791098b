/**
 * The supervised trainer's full training state (`Trainer.warmup()/snapshot()/restore()`): what a
 * step changes, saved and put back in place. Tensors, by name, in this order (networks a method does
 * not have are left out):
 *
 *   q.params, q.stats, k.params, k.stats, mixer.params, mixer.stats   the flat networks (flat.ts)
 *   optQ.slot, optMixer.slot                                          SGD momentum; the Mixer's slot
 *
 * plus, on the host, the step count, both generators and the data position. The configuration and
 * the step counter itself are the trainer's (trainer.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointData, RngJson } from './checkpoint';
import type { RunConfig } from './config';
import type { TrainNets } from './model';
import { mixerSlotSize, type FlatOptimizer } from './nets/mixerOptimizer';
import type { Sgd } from './nets/sgd';
import type { Rng } from '../lib/random';
import type { ResidentData } from './residentData';

/** What of a supervised trainer holds training state. */
export interface SlStateParts {
  nets: TrainNets;
  optQ: Sgd;
  optMixer: FlatOptimizer | null;
  /** Mixing draws. */
  rng: Rng;
  /** Data order and augmentation parameters. */
  dataRng: Rng;
  data: ResidentData;
}

/** Everything a training step changes (for `warmup`, which must leave no trace). */
export interface TrainingState {
  steps: number;
  rng: ReturnType<Rng['getState']>;
  dataRng: ReturnType<Rng['getState']>;
  data: ReturnType<ResidentData['getState']>;
  /** Flat parameters and statistics of every network, then the optimiser slots. */
  tensors: tf.Tensor[];
  /** Host copies of `tensors` when the state came from a checkpoint (no readback needed). */
  host?: Float32Array[];
}

/** Names and sizes of the tensors `saveTrainingState` returns, in its order. */
export function slStateSpecs(p: SlStateParts): Array<{ name: string; size: number }> {
  const out: Array<{ name: string; size: number }> = [];
  for (const [name, n] of [
    ['q', p.nets.q],
    ['k', p.nets.k],
    ['mixer', p.nets.mixer],
  ] as const) {
    if (!n) continue;
    out.push({ name: `${name}.params`, size: n.params.size });
    if (n.stats) out.push({ name: `${name}.stats`, size: n.stats.size });
  }
  out.push({ name: 'optQ.slot', size: p.nets.q.params.size });
  if (p.optMixer && p.nets.mixer)
    out.push({ name: 'optMixer.slot', size: mixerSlotSize(p.optMixer, p.nets.mixer.params.size) });
  return out;
}

/** Copies of the training state at step `steps` (the caller disposes its tensors, or `restore…` does). */
export function saveTrainingState(p: SlStateParts, steps: number): TrainingState {
  const nets = [p.nets.q, p.nets.k, p.nets.mixer].filter((n) => n !== null);
  const tensors = [
    ...nets.flatMap((n) => [n.params.clone(), ...(n.stats ? [n.stats.clone()] : [])]),
    p.optQ.getSlot(),
    ...(p.optMixer ? [p.optMixer.getSlot()] : []),
  ];
  return {
    steps,
    rng: p.rng.getState(),
    dataRng: p.dataRng.getState(),
    data: p.data.getState(),
    tensors,
  };
}

/**
 * Puts a saved state back in place (no new variables); its tensors are disposed when `last`. The
 * caller sets its step counter to `s.steps`.
 */
export function restoreTrainingState(p: SlStateParts, s: TrainingState, last: boolean): void {
  const nets = [p.nets.q, p.nets.k, p.nets.mixer].filter((n) => n !== null);
  let i = 0;
  tf.tidy(() => {
    for (const n of nets) {
      n.params.assign(s.tensors[i++] as tf.Tensor1D);
      if (n.stats) n.stats.assign(s.tensors[i++] as tf.Tensor1D);
      n.markDirty();
    }
    p.optQ.setSlot(s.tensors[i++] as tf.Tensor1D);
    // The host copy when there is one (a checkpoint): Adam reads its step counter from it.
    if (p.optMixer) {
      p.optMixer.setSlot(s.host?.[i] ?? (s.tensors[i] as tf.Tensor1D));
      i++;
    }
  });
  p.rng.setState(s.rng);
  p.dataRng.setState(s.dataRng);
  p.data.setState(s.data);
  if (last) for (const t of s.tensors) t.dispose();
}

/**
 * The full training state at step `steps`, read back with `await data()` (a checkpoint): parameters
 * and BN statistics of every network, optimiser slots, step, generators, data position, `config`.
 */
export async function readTrainingState(
  p: SlStateParts,
  steps: number,
  config: RunConfig,
): Promise<CheckpointData> {
  const epoch = p.data.epoch;
  const s = saveTrainingState(p, steps);
  try {
    const values = await Promise.all(s.tensors.map((t) => t.data() as Promise<Float32Array>));
    const names = slStateSpecs(p).map((e) => e.name);
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

/** A checked checkpoint's state as a `TrainingState` (device tensors + their host copies). */
export function checkpointTrainingState(c: CheckpointData): TrainingState {
  const tensors = c.tensors.map((t) => tf.tensor1d(t.values));
  const host = c.tensors.map((t) => t.values);
  return { steps: c.step, rng: c.rng, dataRng: c.dataRng, data: c.data, tensors, host };
}
