import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, type RunConfig } from '../config';
import { namedVariables } from '../nets/params';
import { tinyDataset } from '../testDatasets';
import { Trainer } from '../trainer';
import { PACKED_KEYS, type PackedKey } from './metrics';
import {
  referenceLearnedStep,
  referencePixelStep,
  referenceRun,
  type ReferenceMetrics,
  type ReferenceOmission,
} from './reference';

/**
 * The fused training steps (supervised.ts, handcrafted.ts: flat storage, hand-differentiated ops,
 * fused optimiser + EMA) against the reference steps (reference.ts: per-layer variables, reference
 * ops, automatic differentiation, per-variable updates), from the same seed, for three steps.
 *
 * Tolerance (float32, different summation orders): every metric within 5e-5·max(1, |v|); every
 * parameter, BN statistic and EMA target within 5e-5·max(1, max|θ|) of its network. Measured worst
 * cases (wasm): metrics 1.8e-7, SGD-trained weights and BN statistics 6e-7, the Adam-trained SAMix
 * Mixer 9e-6 (Adam's first steps move each weight by about lr·sign(g), so a gradient near zero
 * amplifies rounding); docs/testing.md.
 */
const TOL = 5e-5;
const STEPS = 3;
const BASE: RunConfig = { ...DEFAULT_CONFIG, batch: 8, width: 4, steps: 40, testSize: 16 };

interface Worst {
  metrics: number;
  q: number;
  k: number;
  mixer: number;
  /** Where each worst case is. */
  where: Record<string, string>;
}

/** Largest |a − b| / max(1, max|b|) per network, by variable name. */
function netDiff(a: unknown, b: unknown): { value: number; where: string } {
  const x = namedVariables(a);
  const y = namedVariables(b);
  expect(x.map((e) => e.name)).toEqual(y.map((e) => e.name));
  let worst = { value: 0, where: '' };
  x.forEach((e, i) => {
    const p = e.variable.dataSync();
    const r = y[i].variable.dataSync();
    const scale = Math.max(1, ...Array.from(r, Math.abs));
    for (let j = 0; j < p.length; j++) {
      const d = Math.abs(p[j] - r[j]) / scale;
      if (!(d <= worst.value)) worst = { value: d, where: `${e.name}[${j}]` };
    }
  });
  return worst;
}

/** Runs `STEPS` fused and reference steps and reports the worst relative differences. */
function compare(cfg: RunConfig, omit?: ReferenceOmission): Worst {
  const data = tinyDataset();
  const trainer = new Trainer(cfg, data);
  const ref = referenceRun(cfg, data);
  ref.omit = omit;
  const learned = cfg.method === 'samix' || cfg.method === 'automix';
  const w: Worst = { metrics: 0, q: 0, k: 0, mixer: 0, where: {} };
  try {
    for (let s = 0; s < STEPS; s++) {
      const pending = trainer.step();
      const row = pending.packed.dataSync();
      pending.packed.dispose();
      const expected: ReferenceMetrics = learned ? referenceLearnedStep(ref) : referencePixelStep(ref);
      for (const [key, v] of Object.entries(expected) as Array<[PackedKey, number]>) {
        const got = row[PACKED_KEYS.indexOf(key)];
        const d = Math.abs(got - v) / Math.max(1, Math.abs(v));
        if (!(d <= w.metrics)) [w.metrics, w.where.metrics] = [d, `step ${s} ${key}: ${got} vs ${v}`];
      }
    }
    const model = trainer.model;
    for (const net of ['q', 'k', 'mixer'] as const) {
      if (!model[net]) continue;
      const d = netDiff(model[net], ref.model[net]);
      [w[net], w.where[net]] = [d.value, d.where];
    }
    return w;
  } finally {
    trainer.dispose();
    ref.dispose();
  }
}

describe('a fused step equals the reference step written from the reference ops', () => {
  beforeAll(() => initTestBackend());
  afterAll(() => tf.disposeVariables());

  const cases: Array<[string, Partial<RunConfig>]> = [
    ['SAMix (browser switches on, Adam Mixer)', { method: 'samix' }],
    [
      'SAMix as in OpenMixup (switches off, mask_adjust, SGD Mixer)',
      {
        method: 'samix',
        mixerLocal: false,
        maskFit: false,
        maskAdjust: 1,
        mixerOptimizer: 'sgd',
      },
    ],
    ['AutoMix', { method: 'automix' }],
    ['CutMix (hand-crafted, clean-image CE)', { method: 'cutmix', cleanCE: true }],
    ['Mixup (hand-crafted)', { method: 'mixup' }],
  ];
  for (const [name, patch] of cases) {
    it(name, () => {
      const w = compare({ ...BASE, ...patch });
      expect(w.metrics, w.where.metrics).toBeLessThan(TOL);
      for (const net of ['q', 'k', 'mixer'] as const) expect(w[net], w.where[net]).toBeLessThan(TOL);
    });
  }

  // The comparison notices a changed term: each omission moves the network it trains.
  const omissions: Array<[ReferenceOmission, Partial<RunConfig>, 'mixer' | 'q']> = [
    ['global', { method: 'samix' }, 'mixer'],
    ['maskLoss', { method: 'samix' }, 'mixer'],
    ['oneQ', { method: 'samix' }, 'q'],
    ['oneQ', { method: 'cutmix', cleanCE: true }, 'q'],
  ];
  for (const [omit, patch, net] of omissions) {
    it(`fails when the reference drops ${omit} (${patch.method})`, () => {
      const w = compare({ ...BASE, ...patch }, omit);
      expect(Math.max(w.metrics, w[net])).toBeGreaterThan(10 * TOL);
    });
  }

  it('reference steps leak no tensors (optimiser state is created at the first step)', () => {
    for (const method of ['samix', 'cutmix'] as const) {
      const ref = referenceRun({ ...BASE, method, cleanCE: true }, tinyDataset());
      const step = method === 'samix' ? referenceLearnedStep : referencePixelStep;
      expectNoLeak(() => step(ref));
      ref.dispose();
    }
  });
});
