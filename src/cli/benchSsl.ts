/**
 * The SSL row of `npm run bench -- --part node`: SSL SAMix step time against plain MoCo (method
 * `erm` under `scenario: 'ssl'`) on the same backend, data, batch and width — median ms per step
 * after a warm-up, and the ratio. Figures only; nothing here is asserted.
 */
import * as tf from '@tensorflow/tfjs';
import { parseConfig, type MethodName } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import type { ImageDataset } from '../data/types';

export interface SslBenchArgs {
  batch: number;
  width: number;
  steps: number;
  warmup: number;
}

export interface SslBenchRow {
  batch: number;
  width: number;
  queueSize: number;
  mocoMs: number;
  samixMs: number;
  /** SSL SAMix ms / MoCo ms. */
  ratio: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function stepMs(
  method: MethodName,
  a: SslBenchArgs,
  queueSize: number,
  data: ImageDataset,
): Promise<number> {
  const cfg = parseConfig({
    scenario: 'ssl',
    method,
    batch: a.batch,
    width: a.width,
    queueSize,
    steps: 10_000,
  });
  const trainer = new SslTrainer(cfg, data);
  try {
    const times: number[] = [];
    for (let i = 0; i < a.warmup + a.steps; i++) {
      const t0 = performance.now();
      await trainer.read([trainer.step('both')]);
      if (i >= a.warmup) times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    trainer.dispose();
  }
}

/** SSL SAMix vs plain MoCo on the current backend (queue: the default 4096 rounded up to the batch, docs/ssl.md). */
export async function runSslBench(a: SslBenchArgs, data: ImageDataset): Promise<SslBenchRow> {
  const queueSize = Math.ceil(4096 / a.batch) * a.batch;
  const mocoMs = await stepMs('erm', a, queueSize, data);
  const samixMs = await stepMs('samix', a, queueSize, data);
  return { batch: a.batch, width: a.width, queueSize, mocoMs, samixMs, ratio: samixMs / mocoMs };
}

/** One line for the bench output. */
export function formatSslBench(r: SslBenchRow): string {
  return (
    `SSL (${tf.getBackend()}, batch ${r.batch}, width ${r.width}, queue ${r.queueSize}): ` +
    `SSL SAMix ${r.samixMs.toFixed(0)} ms/step vs MoCo ${r.mocoMs.toFixed(0)} ms/step = ${r.ratio.toFixed(2)}×`
  );
}
