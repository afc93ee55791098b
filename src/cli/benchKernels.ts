/**
 * Kernels per training step for `npm run bench` (benchNode.ts): every registered kernel one step of
 * ERM, SAMix and SAMix^P runs, counted with `tf.profile` on the active backend and graph, with the
 * "data-only" kernels (Reshape, Identity: no data moved on wasm or webgpu) counted apart.
 */
import * as tf from '@tensorflow/tfjs';
import { parseConfig, type MethodName, type RunConfig } from '../core/config';
import { Trainer } from '../core/trainer';
import type { ImageDataset } from '../data/types';
import { benchTrainerOptions } from './benchSamixp';

export interface KernelCount {
  /** Kernel invocations of one step (tf.profile records of registered kernels). */
  kernels: number;
  /** Of which Reshape/Identity (metadata only on wasm and webgpu). */
  dataOnly: number;
  dispatching: number;
  byKernel: Record<string, number>;
}

export interface KernelRow {
  what: 'erm' | 'samix' | 'samixp';
  label: string;
  wasm: KernelCount;
  gpu: KernelCount | null;
}

/** Counts the registered kernels of `f` (one training step) with tf.profile. */
async function countKernels(f: () => tf.Tensor): Promise<KernelCount> {
  const backend = tf.getBackend();
  const info = await tf.profile(f);
  const byKernel: Record<string, number> = {};
  let kernels = 0;
  let dataOnly = 0;
  for (const k of info.kernels) {
    if (!tf.getKernel(k.name, backend)) continue; // custom-gradient scopes are not kernels
    kernels++;
    if (k.name === 'Reshape' || k.name === 'Identity') dataOnly++;
    byKernel[k.name] = (byKernel[k.name] ?? 0) + 1;
  }
  return { kernels, dataOnly, dispatching: kernels - dataOnly, byKernel };
}

/** Kernel counts of ERM, SAMix and SAMix^P at `batch`, on the active backend and graph. */
export async function kernelCounts(
  data: ImageDataset,
  batch: number,
  width: number,
): Promise<Record<KernelRow['what'], KernelCount>> {
  const cfg = (method: MethodName): RunConfig =>
    parseConfig({ method, batch, width, steps: 10_000, testSize: batch });
  const erm = new Trainer(cfg('erm'), data);
  const samix = new Trainer(cfg('samix'), data);
  const samixp = new Trainer(cfg('samixp'), data, await benchTrainerOptions('samixp', data, batch, width));
  try {
    await erm.read([erm.step()]); // warm-up (lazily created constants)
    await samix.read([samix.step()]);
    const one = async (t: Trainer): Promise<KernelCount> => {
      let p: ReturnType<Trainer['step']> | null = null;
      const c = await countKernels(() => (p = t.step()).packed);
      await t.read([p!]);
      return c;
    };
    const ermCount = await one(erm);
    const samixCount = await one(samix);
    await samixp.read([samixp.step()]);
    const samixpCount = await one(samixp);
    return { erm: ermCount, samix: samixCount, samixp: samixpCount };
  } finally {
    erm.dispose();
    samix.dispose();
    samixp.dispose();
  }
}
