/**
 * The tensor part of a self-supervised run's checkpoint (`SslTrainer.snapshot()/restore()`), in the
 * same `CheckpointData` format as supervised runs (checkpoint.ts). Tensors, by name, in this order:
 *
 *   q.params, q.stats, k.params, k.stats   flat online / momentum encoder + FC1 and BN statistics
 *   qFc2.w, qFc2.b, kFc2.w, kFc2.b          the projectors' second layers
 *   mixer.<path>                            SSL SAMix: every Mixer variable, value-BN statistics included
 *   queue.keys, queue.ptr                   the key queue `[K·D]` and its FIFO pointer `[1]`
 *   optQ.slot, optMixer.slot                SGD momentum; the Mixer's Adam [m, v, t] or SGD momentum
 *
 * The queue starts full (K random unit keys), so its pointer is all of its position. Step, generator,
 * data position and configuration are the trainer's (sslTrainer.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointData } from './checkpoint';
import type { RunConfig } from './config';
import { mixerSlotSize, type FlatOptimizer } from './nets/mixerOptimizer';
import { namedVariables, type NamedVariable } from './nets/params';
import type { Sgd } from './nets/sgd';
import { checkRestorable } from './stateChecks';
import type { SslNets } from './ssl/model';
import type { KeyQueue } from './ssl/queue';

/** What of an SSL trainer holds tensor state. */
export interface SslStateParts {
  nets: SslNets;
  queue: KeyQueue;
  optQ: Sgd;
  optMixer: FlatOptimizer | null;
}

export interface StateSpec {
  name: string;
  size: number;
}

/** The flat storages with their names (q, k). */
function flatNets(n: SslNets) {
  return [
    ['q', n.q],
    ['k', n.k],
  ] as const;
}

/** The networks' own variables: both FC2s, then the Mixer's (with their stable tree paths). */
function ownVariables(n: SslNets): NamedVariable[] {
  return [
    ...namedVariables({ qFc2: n.qFc2, kFc2: n.kFc2 }),
    ...(n.mixer ? namedVariables(n.mixer, 'mixer') : []),
  ];
}

const total = (vars: readonly tf.Variable[]): number => vars.reduce((s, v) => s + v.size, 0);

/** Names and lengths of the state tensors, in checkpoint order. */
export function sslStateSpecs(p: SslStateParts): StateSpec[] {
  const out: StateSpec[] = [];
  for (const [name, f] of flatNets(p.nets)) {
    out.push({ name: `${name}.params`, size: f.params.size });
    if (f.stats) out.push({ name: `${name}.stats`, size: f.stats.size });
  }
  for (const e of ownVariables(p.nets)) out.push({ name: e.name, size: e.variable.size });
  out.push({ name: 'queue.keys', size: p.queue.size * p.queue.dim }, { name: 'queue.ptr', size: 1 });
  out.push({ name: 'optQ.slot', size: total(p.optQ.vars) });
  if (p.optMixer)
    out.push({ name: 'optMixer.slot', size: mixerSlotSize(p.optMixer, total(p.optMixer.vars)) });
  return out;
}

/** Flat copies of the state tensors in `sslStateSpecs` order (the caller disposes them). */
export function sslStateTensors(p: SslStateParts): tf.Tensor1D[] {
  return tf.tidy(() => {
    const out: tf.Tensor1D[] = [];
    for (const [, f] of flatNets(p.nets)) {
      out.push(f.params.clone());
      if (f.stats) out.push(f.stats.clone());
    }
    for (const e of ownVariables(p.nets)) out.push(tf.reshape(e.variable, [-1]));
    out.push(tf.reshape(p.queue.keys, [-1]), tf.tensor1d([p.queue.pointer]));
    out.push(p.optQ.getSlot());
    if (p.optMixer) out.push(p.optMixer.getSlot());
    return out;
  });
}

/** The state tensors read back with `await data()`, by name (a checkpoint's `tensors`). */
export async function readSslState(p: SslStateParts): Promise<CheckpointData['tensors']> {
  const tensors = sslStateTensors(p);
  try {
    const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
    return sslStateSpecs(p).map((e, i) => ({ name: e.name, values: values[i] }));
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Throws, naming what differs, when `c` cannot continue this run (stateChecks.ts: configuration,
 * tensors, data order; then a queue pointer that is not a whole number of batches inside the queue).
 * @returns the queue pointer
 */
export function checkSslCheckpoint(
  c: CheckpointData,
  p: SslStateParts,
  cfg: RunConfig,
  trainCount: number,
): number {
  checkRestorable(c, cfg, sslStateSpecs(p), trainCount);
  const ptr = c.tensors.find((t) => t.name === 'queue.ptr')?.values[0] ?? NaN;
  if (!Number.isInteger(ptr) || ptr < 0 || ptr >= cfg.queueSize || ptr % cfg.batch !== 0)
    throw new Error(
      `the checkpoint's queue.ptr is ${ptr}; it must be a multiple of batch ${cfg.batch} below queueSize ${cfg.queueSize}`,
    );
  return ptr;
}

/**
 * Puts state values (`sslStateSpecs` order: host arrays from a checked checkpoint, or the device
 * copies `sslStateTensors` made) into the trainer's variables in place, with the queue pointer `ptr`
 * (the `queue.ptr` entry is skipped, so nothing is read back). No new variable, no tensor left over;
 * `values` are not disposed. An Adam slot carries its step counter on the host either way.
 */
export function applySslState(
  p: SslStateParts,
  values: ReadonlyArray<Float32Array | tf.Tensor1D>,
  ptr: number,
): void {
  let i = 0;
  const next = (): tf.Tensor1D => {
    const v = values[i++];
    return v instanceof Float32Array ? tf.tensor1d(v) : v;
  };
  tf.tidy(() => {
    for (const [, f] of flatNets(p.nets)) {
      f.params.assign(next());
      if (f.stats) f.stats.assign(next());
      f.markDirty();
    }
    for (const e of ownVariables(p.nets)) e.variable.assign(tf.reshape(next(), e.variable.shape));
    p.queue.setState({ keys: tf.reshape(next(), [p.queue.size, p.queue.dim]) as tf.Tensor2D, ptr });
    i++; // queue.ptr
    p.optQ.setSlot(values[i++]);
    if (p.optMixer) p.optMixer.setSlot(values[i++]);
  });
}
