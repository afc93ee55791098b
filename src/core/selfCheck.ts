/**
 * Backend self-check: the engine's correctness properties, run on whatever backend is active (the
 * worker runs it on the user's WebGPU/WebGL/wasm/cpu; the unit tests run it on wasm and cpu; the e2e
 * suite on wasm, cpu and WebGPU). Each check returns a verdict with the numbers behind it:
 *
 * - hand-computed loss values (the η-balanced loss's worked table in docs/method.md, a mask-loss case),
 * - Mixer invariants: mask strictly in (0, 1), attention rows summing to 1,
 * - per method: bit-for-bit determinism of two runs with the same seed, no tensor growth per step,
 *   and agreement of the first steps' losses with the same steps on a reference backend (cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type MethodName, type RunConfig } from './config';
import { etaBalancedLoss } from './losses';
import { maskLoss } from './mask';
import { buildMixer, mixerForward } from './nets/mixer';
import { disposeParams } from './nets/params';
import { Rng } from '../lib/random';
import { tinyDataset } from './testDatasets';
import { Trainer } from './trainer';
import type { CheckResult, StepMetrics } from './trainerTypes';

export type { CheckResult };

export interface SelfCheckOptions {
  /** Methods whose training step is checked (default: ERM, CutMix, SAMix). */
  methods?: MethodName[];
  /** Backend the active one is compared with; null skips the parity check (default 'cpu'). */
  reference?: string | null;
  /** Steps per run (default 2). */
  steps?: number;
}

/** Relative tolerance of the parity check: float32 with other reduction orders, after a few updates. */
export const PARITY_TOLERANCE = 5e-3;

const LOSS_KEYS = ['total', 'local', 'global', 'mask', 'mixQ', 'oneQ'] as const;

const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(6) : String(x));

async function scalars(ts: tf.Scalar[]): Promise<number[]> {
  const stacked = tf.stack(ts);
  const values = Array.from(await stacked.data());
  stacked.dispose();
  for (const t of ts) t.dispose();
  return values;
}

/** docs/method.md: z = [2, 1, 0, −1], i = 0, j = 1, λ = 0.7. */
async function etaTable(): Promise<CheckResult> {
  const logits = tf.tensor2d([[2, 1, 0, -1]]);
  const yA = tf.tensor1d([0], 'int32');
  const yB = tf.tensor1d([1], 'int32');
  const dec = etaBalancedLoss(logits, yA, yB, 0.7, { eta: 0.5, global: 'decoupled' });
  const rest = etaBalancedLoss(logits, yA, yB, 0.7, { eta: 1, global: 'rest' });
  const full = etaBalancedLoss(logits, yA, yB, 0.7, { eta: 1, global: 'fullCE' });
  const got = await scalars([dec.local, dec.global, dec.total, rest.global, rest.total, full.total]);
  for (const t of [rest.local, full.local, full.global, logits, yA, yB]) t.dispose();
  const want = [0.613262, 0.241174, 0.733849, 0.126928, 0.74019, 1.353451];
  const ok = got.every((g, i) => Math.abs(g - want[i]) < 1e-5);
  return {
    name: 'η-balanced loss equals its worked table',
    ok,
    detail: `got ${got.map(fmt).join(', ')}${ok ? '' : `; want ${want.join(', ')}`}`,
  };
}

/** A hand-computed case: N = 2 masks on 2×2, λ = 0.3, margin 0.1. */
async function maskTable(): Promise<CheckResult> {
  const m = tf.tensor4d([0.2, 0.4, 0.6, 0.8, 0, 0, 1, 1], [2, 2, 2, 1]);
  const got = await scalars([
    maskLoss(m, 0.3, { mode: 'l1+var', margin: 0.1 }),
    maskLoss(m, 0.3, { mode: 'l1', margin: 0.1 }),
    maskLoss(m, 0.3, { mode: 'l1', margin: 0 }),
  ]);
  m.dispose();
  const want = [-0.2, 0.1, 0.2];
  const ok = got.every((g, i) => Math.abs(g - want[i]) < 1e-6);
  return {
    name: 'mask loss equals the hand-computed case',
    ok,
    detail: `L1+Var ${fmt(got[0])}, L1 ${fmt(got[1])}, L1 margin 0 ${fmt(got[2])}${ok ? '' : `; want ${want.join(', ')}`}`,
  };
}

/** Mixer invariants on a random SAMix Mixer with non-trivial weights. */
async function mixerInvariants(): Promise<CheckResult> {
  const rng = new Rng(17);
  const params = buildMixer(rng, 'samix', 8);
  const stats = tf.tidy(() => {
    tf.tidy(() => {
      if (params.kind !== 'samix') return;
      for (const v of [params.query.w, params.key.w, params.value2]) v.assign(tf.mul(v, 100));
    });
    const z = tf.tensor4d(rng.normalArray(3 * 4 * 4 * 8, 1), [3, 4, 4, 8]);
    const out = mixerForward(params, { z, perm: Int32Array.from([2, 0, 1]) }, 0.3, {
      outSize: [8, 8],
      lamMulK: 0.25,
      training: true,
    });
    return tf.stack([tf.min(out.m), tf.max(out.m), tf.max(tf.abs(tf.sub(tf.sum(out.attention, 2), 1)))]);
  });
  const [lo, hi, rowErr] = await stats.data();
  stats.dispose();
  disposeParams(params);
  const ok = lo > 0 && hi < 1 && rowErr <= 1e-5;
  return {
    name: 'Mixer mask in (0, 1), attention rows sum to 1',
    ok,
    detail: `mask range [${fmt(lo)}, ${fmt(hi)}], max |row sum − 1| ${fmt(rowErr)}`,
  };
}

interface RunTrace {
  metrics: StepMetrics[];
  /** numTensors after each step had been read. */
  tensors: number[];
}

async function trace(cfg: RunConfig, steps: number): Promise<RunTrace> {
  const t = new Trainer(cfg, tinyDataset());
  try {
    const metrics: StepMetrics[] = [];
    const tensors: number[] = [];
    for (let i = 0; i < steps; i++) {
      metrics.push(...(await t.read([t.step()])));
      tensors.push(tf.memory().numTensors);
    }
    return { metrics, tensors };
  } finally {
    t.dispose();
  }
}

const lossesOf = (m: StepMetrics): number[] => [...LOSS_KEYS.map((k) => m.loss[k]), m.maskMean];

async function methodChecks(
  method: MethodName,
  steps: number,
  reference: string | null,
): Promise<CheckResult[]> {
  const cfg: RunConfig = { ...DEFAULT_CONFIG, method, batch: 8, width: 4, steps: 100, seed: 5, testSize: 16 };
  const active = tf.getBackend();
  const a = await trace(cfg, steps + 1);
  const b = await trace(cfg, steps + 1);
  const same = a.metrics.every((m, i) => lossesOf(m).join() === lossesOf(b.metrics[i]).join());
  const finite = a.metrics.every((m) => lossesOf(m).every(Number.isFinite));
  const growth = a.tensors[a.tensors.length - 1] - a.tensors[a.tensors.length - 2];
  const out: CheckResult[] = [
    {
      name: `${method}: same seed, same metrics (bit for bit); finite losses`,
      ok: same && finite,
      detail: `${steps + 1} steps, total loss ${a.metrics.map((m) => fmt(m.loss.total)).join(' → ')}${same ? '' : `; second run ${b.metrics.map((m) => fmt(m.loss.total)).join(' → ')}`}`,
    },
    {
      name: `${method}: no tensor growth per step`,
      ok: growth === 0,
      detail: `numTensors after each step ${a.tensors.join(', ')}`,
    },
  ];
  if (reference && reference !== active) {
    await tf.setBackend(reference);
    let r: RunTrace;
    try {
      r = await trace(cfg, steps);
    } finally {
      await tf.setBackend(active);
    }
    let worst = 0;
    for (let i = 0; i < steps; i++) {
      const x = lossesOf(a.metrics[i]);
      const y = lossesOf(r.metrics[i]);
      x.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - y[k]) / Math.max(1, Math.abs(y[k])))));
    }
    out.push({
      name: `${method}: first ${steps} steps agree with the ${reference} backend`,
      ok: worst <= PARITY_TOLERANCE,
      detail: `largest relative difference of the losses ${fmt(worst)} (tolerance ${PARITY_TOLERANCE})`,
    });
  }
  return out;
}

/**
 * Runs every check on the active backend (and the reference backend for parity).
 * @param onResult called after each check (progress for the UI)
 */
export async function runSelfCheck(
  o: SelfCheckOptions = {},
  onResult?: (r: CheckResult) => void,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const push = (r: CheckResult): void => {
    results.push(r);
    onResult?.(r);
  };
  for (const check of [etaTable, maskTable, mixerInvariants]) push(await check());
  const reference = o.reference === undefined ? 'cpu' : o.reference;
  for (const method of o.methods ?? (['erm', 'cutmix', 'samix'] as MethodName[])) {
    for (const r of await methodChecks(method, o.steps ?? 2, reference)) push(r);
  }
  return results;
}
