/**
 * Node half of `npm run bench` (see bench.ts): every figure of the training step measured in one
 * Node process, side by side.
 *
 * - ms/step of every method on wasm (median after warm-up), as a ratio to ERM, with the achieved
 *   GFLOP/s from the model's FLOP count (core/flops.ts) and the tensors held and their growth;
 * - kernels per step from `tf.profile` (one step after warm-up) for ERM, SAMix and SAMix^P,
 *   in both graphs the engine builds (core/nets/fused.ts): the wasm graph (counted on wasm) and the
 *   webgl/webgpu graph (counted on the Node cpu backend with native conv gradients — the same
 *   kernels a GPU backend dispatches; the count does not depend on the batch size, so it runs at a
 *   small batch). "Data-only" kernels (Reshape, Identity) move no data on wasm or webgpu;
 * - the share of a SAMix step spent in the Mixer, the momentum encoder, the online encoder and the
 *   optimiser (and data, losses), from an instrumented run: the step marks its sections
 *   (core/perf.ts) and, wasm being synchronous, wall time between marks is the sections' time;
 *   kernels are attributed the same way inside a `tf.profile`;
 * - tensor count over 500 steps of ERM and SAMix at a small size (flat = no leak).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_CONFIG, parseConfig, type MethodName } from '../core/config';
import { withEngine } from '../core/nets/engine';
import { observeSections, SECTIONS, type Section } from '../core/perf';
import { Trainer } from '../core/trainer';
import type { ImageDataset } from '../data/types';
import { kernelCounts, type KernelCount, type KernelRow } from './benchKernels';
import { formatSslBench, runSslBench, type SslBenchRow } from './benchSsl';
import type { Args } from './benchArgs';
import { benchTrainerOptions, runSamixpBench, type SamixpBenchRow } from './benchSamixp';

export type { KernelCount, KernelRow } from './benchKernels';

/** The Node part's flags (benchArgs.ts) and where it logs progress. */
export interface NodeBenchArgs extends Pick<
  Args,
  'methods' | 'batch' | 'width' | 'steps' | 'warmup' | 'gpuGraphBatch' | 'leakSteps'
> {
  log: (line: string) => void;
}

export interface MethodRow {
  method: MethodName;
  /** Row name: the method, or a variant of it (the SAMix Mixer with its browser switches flipped). */
  label: string;
  medianMs: number;
  ratioToErm: number;
  gflops: number;
  flopsPerStep: number;
  tensors: number;
  bytes: number;
  tensorGrowth: number;
}

export interface SectionShare {
  section: Section;
  ms: number;
  share: number;
  kernels: number;
}

export interface LeakRow {
  method: MethodName;
  at10: number;
  atEnd: number;
  steps: number;
}

export interface NodeBenchResult {
  methods: MethodRow[];
  kernels: KernelRow[];
  samixSections: SectionShare[];
  leak: LeakRow[];
  /** Wall time of `Trainer.warmup()` per method (ms). */
  warmupMs: Record<string, number>;
  /** SSL SAMix vs plain MoCo (benchSsl.ts). */
  ssl: SslBenchRow;
  /** SAMix^P vs ERM and online SAMix, side by side (benchSamixp.ts). */
  samixp: SamixpBenchRow;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function methodTimes(
  a: NodeBenchArgs,
  data: ImageDataset,
): Promise<{ rows: MethodRow[]; warmupMs: Record<string, number> }> {
  const rows: MethodRow[] = [];
  const warmupMs: Record<string, number> = {};
  // SAMix also runs with its Mixer switches (mixerLocal, maskFit) flipped, right after the default.
  const flipped = !DEFAULT_CONFIG.mixerLocal || !DEFAULT_CONFIG.maskFit;
  const variants = a.methods.flatMap((method) => [
    { method, label: method as string, over: {} },
    ...(method === 'samix'
      ? [
          {
            method,
            label: flipped ? 'samix +local +fit' : 'samix, reference Mixer',
            over: { mixerLocal: flipped, maskFit: flipped },
          },
        ]
      : []),
  ]);
  for (const { method, label, over } of variants) {
    const trainer = new Trainer(
      parseConfig({ method, batch: a.batch, width: a.width, steps: 10_000, ...over }),
      data,
      await benchTrainerOptions(method, data, a.batch, a.width),
    );
    warmupMs[label] = await trainer.warmup();
    const times: number[] = [];
    let tensors = 0;
    for (let i = 0; i < a.warmup + a.steps; i++) {
      const t0 = performance.now();
      await trainer.read([trainer.step('both')]);
      if (i >= a.warmup) times.push(performance.now() - t0);
      if (i === a.warmup - 1) tensors = tf.memory().numTensors;
    }
    const medianMs = median(times);
    const flops = trainer.flopsPerStep;
    rows.push({
      method,
      label,
      medianMs,
      ratioToErm: NaN,
      gflops: flops / (medianMs * 1e6),
      flopsPerStep: flops,
      tensors: tf.memory().numTensors,
      bytes: tf.memory().numBytes,
      tensorGrowth: a.warmup > 0 ? tf.memory().numTensors - tensors : NaN,
    });
    trainer.dispose();
    a.log(`  ${label}: ${medianMs.toFixed(0)} ms/step, ${(flops / (medianMs * 1e6)).toFixed(1)} GFLOP/s`);
  }
  const erm = rows.find((r) => r.method === 'erm')?.medianMs ?? NaN;
  for (const r of rows) r.ratioToErm = r.medianMs / erm;
  return { rows, warmupMs };
}

/** Time and kernel shares of a SAMix step's sections (median over `steps` instrumented steps). */
async function samixSections(a: NodeBenchArgs, data: ImageDataset): Promise<SectionShare[]> {
  const t = new Trainer(
    parseConfig({ method: 'samix', batch: a.batch, width: a.width, steps: 10_000 }),
    data,
  );
  try {
    for (let i = 0; i < Math.max(1, a.warmup); i++) await t.read([t.step()]);
    const perStep: Array<Record<Section, number>> = [];
    const kernels = Object.fromEntries(SECTIONS.map((s) => [s, 0])) as Record<Section, number>;
    for (let i = 0; i < Math.max(3, a.steps) + 1; i++) {
      const ms = Object.fromEntries(SECTIONS.map((s) => [s, 0])) as Record<Section, number>;
      const profiled = i === 0; // the first instrumented step is also profiled for kernel shares
      let cur: Section = 'data';
      let t0 = performance.now();
      let k0 = 0;
      const close = (): void => {
        const now = performance.now();
        ms[cur] += now - t0;
        t0 = now;
        if (profiled) {
          const ks = tf.engine().state.activeProfile.kernels;
          for (const r of ks.slice(k0)) if (tf.getKernel(r.name, tf.getBackend())) kernels[cur]++;
          k0 = ks.length;
        }
      };
      observeSections((next) => {
        close();
        cur = next;
      });
      let p: ReturnType<Trainer['step']> | null = null;
      try {
        if (profiled) {
          await tf.profile(() => {
            t0 = performance.now();
            p = t.step();
            close();
            return p.packed;
          });
        } else {
          t0 = performance.now();
          p = t.step();
          close();
        }
      } finally {
        observeSections(null);
      }
      await t.read([p!]);
      if (!profiled) perStep.push(ms);
    }
    const med = Object.fromEntries(SECTIONS.map((s) => [s, median(perStep.map((m) => m[s]))])) as Record<
      Section,
      number
    >;
    const total = SECTIONS.reduce((s, k) => s + med[k], 0);
    return SECTIONS.map((s) => ({ section: s, ms: med[s], share: med[s] / total, kernels: kernels[s] }));
  } finally {
    t.dispose();
  }
}

/** numTensors after 10 and after `steps` steps (metrics read every 10 steps, like the worker). */
async function leakCheck(data: ImageDataset, steps: number): Promise<LeakRow[]> {
  const rows: LeakRow[] = [];
  for (const method of ['erm', 'samix'] as const) {
    const t = new Trainer(parseConfig({ method, batch: 8, width: 4, steps, testSize: 16 }), data);
    let at10 = 0;
    let pending: Array<ReturnType<Trainer['step']>> = [];
    for (let i = 1; i <= steps; i++) {
      pending.push(t.step());
      if (i % 10 === 0) {
        await t.read(pending);
        pending = [];
      }
      if (i === 10) at10 = tf.memory().numTensors;
    }
    await t.read(pending);
    rows.push({ method, at10, atEnd: tf.memory().numTensors, steps });
    t.dispose();
  }
  return rows;
}

export async function runNodeBench(a: NodeBenchArgs, data: ImageDataset): Promise<NodeBenchResult> {
  await tf.setBackend('wasm');
  await tf.ready();
  a.log('methods (wasm):');
  const { rows, warmupMs } = await methodTimes(a, data);
  a.log('SAMix sections (wasm, instrumented):');
  const sections = await samixSections(a, data);
  a.log('kernels per step (wasm graph) …');
  const wasm = await kernelCounts(data, a.batch, a.width);
  let gpu: Record<KernelRow['what'], KernelCount> | null = null;
  if (a.gpuGraphBatch > 0) {
    a.log(`kernels per step (webgl/webgpu graph, Node cpu backend, batch ${a.gpuGraphBatch}; slow) …`);
    await tf.setBackend('cpu');
    try {
      gpu = await withEngine({ conv: 'native', graph: 'gpu' }, () =>
        kernelCounts(data, a.gpuGraphBatch, a.width),
      );
    } finally {
      await tf.setBackend('wasm');
    }
  }
  const labels: Record<KernelRow['what'], string> = {
    erm: 'ERM',
    samix: 'SAMix',
    samixp: 'SAMix^P (frozen f_k to stage 3 + 1 Mixer pass, inference; classifier step)',
  };
  const kernels = (['erm', 'samix', 'samixp'] as const).map((w) => ({
    what: w,
    label: labels[w],
    wasm: wasm[w],
    gpu: gpu ? gpu[w] : null,
  }));
  let leak: LeakRow[] = [];
  if (a.leakSteps > 0) {
    a.log(`tensor count over ${a.leakSteps} steps (batch 8, width 4) …`);
    leak = await leakCheck(data, a.leakSteps);
  }
  a.log('SSL SAMix vs MoCo (wasm) …');
  const ssl = await runSslBench(a, data);
  a.log(`  ${formatSslBench(ssl)}`);
  a.log('SAMix^P vs ERM and online SAMix (wasm, interleaved) …');
  const samixp = await runSamixpBench(a, data);
  return { methods: rows, kernels, samixSections: sections, leak, warmupMs, ssl, samixp };
}
