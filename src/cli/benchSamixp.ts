/**
 * SAMix^P in `npm run bench` : the step time of a samixp run as a ratio to ERM and to online
 * SAMix, measured side by side in one Node process on wasm (the three trainers step in turn, so load
 * from other processes hits all of them alike), and the kernels of one step of each (tf.profile,
 * the wasm graph). Goal: SAMix^P ≤ 1.3× ERM — it adds one frozen forward to the Mixer's stage and one
 * Mixer pass in inference mode to an ERM-sized classifier step.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseConfig, type MethodName } from '../core/config';
import { Trainer, type TrainerOptions } from '../core/trainer';
import type { MixerBundle } from '../core/weights/mixerManifest';
import type { ImageDataset } from '../data/types';

/** A Mixer bundle of the bench's size (a SAMix run of one step; its values do not change the cost). */
export async function benchBundle(data: ImageDataset, batch: number, width: number): Promise<MixerBundle> {
  const t = new Trainer(parseConfig({ method: 'samix', batch, width, steps: 10_000 }), data);
  try {
    await t.read([t.step()]);
    return await t.exportMixerBundle();
  } finally {
    t.dispose();
  }
}

/** Trainer options a bench needs for `method` (samixp: a bundle of the same size). */
export async function benchTrainerOptions(
  method: MethodName,
  data: ImageDataset,
  batch: number,
  width: number,
): Promise<TrainerOptions> {
  return method === 'samixp' ? { mixerBundle: await benchBundle(data, batch, width) } : {};
}

export interface SamixpBenchRow {
  batch: number;
  width: number;
  steps: number;
  ms: Record<'erm' | 'samix' | 'samixp', number>;
  /** SAMix^P / ERM and SAMix^P / SAMix. */
  ratioToErm: number;
  ratioToSamix: number;
  /** Kernels of one step (wasm graph), all registered kernels. */
  kernels: Record<'erm' | 'samix' | 'samixp', number>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function kernelsOf(t: Trainer): Promise<number> {
  let p: ReturnType<Trainer['step']> | null = null;
  const info = await tf.profile(() => (p = t.step()).packed);
  await t.read([p!]);
  return info.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend())).length;
}

/** ERM, SAMix and SAMix^P at the same batch and width, stepping in turn (median ms per step). */
export async function runSamixpBench(
  a: { batch: number; width: number; steps: number; warmup: number; log: (l: string) => void },
  data: ImageDataset,
): Promise<SamixpBenchRow> {
  const names = ['erm', 'samix', 'samixp'] as const;
  const bundle = await benchBundle(data, a.batch, a.width);
  const trainers = names.map(
    (method) =>
      new Trainer(
        parseConfig({
          method,
          batch: a.batch,
          width: a.width,
          steps: 10_000,
          mixerBundle: method === 'samixp' ? 'bench' : '',
        }),
        data,
        {
          mixerBundle: method === 'samixp' ? bundle : undefined,
        },
      ),
  );
  try {
    for (const t of trainers) await t.warmup();
    const times: number[][] = names.map(() => []);
    const steps = Math.max(3, a.steps);
    for (let i = 0; i < a.warmup + steps; i++) {
      for (let j = 0; j < trainers.length; j++) {
        const t0 = performance.now();
        await trainers[j].read([trainers[j].step()]);
        if (i >= a.warmup) times[j].push(performance.now() - t0);
      }
    }
    const ms = Object.fromEntries(names.map((n, j) => [n, median(times[j])])) as SamixpBenchRow['ms'];
    const kernels = {} as SamixpBenchRow['kernels'];
    for (let j = 0; j < names.length; j++) kernels[names[j]] = await kernelsOf(trainers[j]);
    const row = {
      batch: a.batch,
      width: a.width,
      steps,
      ms,
      ratioToErm: ms.samixp / ms.erm,
      ratioToSamix: ms.samixp / ms.samix,
      kernels,
    };
    a.log(`  ${formatSamixpBench(row)}`);
    return row;
  } finally {
    for (const t of trainers) t.dispose();
  }
}

/** One line: the three step times, the ratios and the kernel counts. */
export function formatSamixpBench(r: SamixpBenchRow): string {
  return (
    `SAMix^P ${r.ms.samixp.toFixed(0)} ms/step = ${r.ratioToErm.toFixed(2)}× ERM (${r.ms.erm.toFixed(0)} ms), ` +
    `${r.ratioToSamix.toFixed(2)}× online SAMix (${r.ms.samix.toFixed(0)} ms) [goal ≤ 1.3× ERM]; ` +
    `kernels/step ERM ${r.kernels.erm}, SAMix ${r.kernels.samix}, SAMix^P ${r.kernels.samixp} ` +
    `(wasm, batch ${r.batch}, width ${r.width}, median of ${r.steps} interleaved steps)`
  );
}

/** `npx tsx src/cli/benchSamixp.ts [--batch N] [--width N] [--steps N]`: this part alone. */
async function main(argv: string[]): Promise<void> {
  const get = (flag: string, def: number): number => {
    const i = argv.indexOf(flag);
    const n = i >= 0 ? Number(argv[i + 1]) : def;
    if (!Number.isInteger(n) || n <= 0)
      throw new Error(`${flag} must be a positive integer; got ${argv[i + 1]}`);
    return n;
  };
  await tf.setBackend('wasm');
  await tf.ready();
  const { generateShapes } = await import('../data/shapes');
  const data = generateShapes();
  const args = { batch: get('--batch', 64), width: get('--width', 16), steps: get('--steps', 10), warmup: 2 };
  await runSamixpBench({ ...args, log: (l) => console.log(l) }, data);
}

if (process.argv[1]?.endsWith('benchSamixp.ts')) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`bench samixp: ${(e as Error).message}`);
    process.exit(1);
  });
}
