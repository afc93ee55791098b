import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, type RunConfig } from '../config';
import { classifierVariables, mixerVariables, stageFeatures } from '../model';
import { namedVariables, trainableVariables } from '../nets/params';
import { Rng } from '../../lib/random';
import { momentumAt } from '../schedule';
import { tinyDataset } from '../testDatasets';
import { Trainer } from '../trainer';
import {
  backboneMix,
  classifierObjective,
  mixerObjective,
  permuteLabels,
  type LearnedDraws,
} from './supervised';

const CFG: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', batch: 8, width: 4, steps: 50, testSize: 16 };
const DRAWS: LearnedDraws = {
  lamMb: 0.3,
  lamBb: 0.6,
  permMb: new Int32Array([3, 0, 1, 2, 7, 4, 5, 6]),
  permBb: new Int32Array([1, 2, 3, 4, 5, 6, 7, 0]),
  adjust: false,
};

/** Total |g| over the variables of `vars` that got a gradient (0 when none did). */
function gradMass(grads: tf.NamedTensorMap, vars: tf.Variable[]): number {
  return vars.reduce(
    (s, v) => s + (grads[v.name] ? (tf.sum(tf.abs(grads[v.name])).arraySync() as number) : 0),
    0,
  );
}

describe('online SAMix step: gradient routing (docs/method.md)', () => {
  let trainer: Trainer;
  beforeAll(async () => {
    await initTestBackend();
    trainer = new Trainer(CFG, tinyDataset());
  });
  afterAll(() => trainer.dispose());

  const batch = () => trainer.data.nextBatch(new Rng(11), 8, false);

  it('∂L_mix_q/∂φ = 0 even when the backbone mask is built inside the closure', () => {
    const model = trainer.model;
    const phi = mixerVariables(model);
    const q = classifierVariables(model, CFG);
    tf.tidy(() => {
      const { x, labels } = batch();
      const z = stageFeatures(model.k!, x, CFG.mixerStage, { training: true });
      const { grads } = tf.variableGrads(() => {
        const { xBb } = backboneMix(model, z, x, DRAWS, CFG);
        return classifierObjective(model, x, xBb, labels, permuteLabels(labels, DRAWS.permBb), DRAWS.lamBb)
          .mixQ;
      }, [...phi, ...q]);
      expect(gradMass(grads, phi)).toBe(0);
      expect(gradMass(grads, q)).toBeGreaterThan(0);
    });
  });

  it('∂L_k/∂θ_q = 0, ∂L_k/∂φ ≠ 0 and ∂L_mask/∂θ_q = 0', () => {
    const model = trainer.model;
    const phi = mixerVariables(model);
    const q = classifierVariables(model, CFG);
    tf.tidy(() => {
      const { x, y, labels } = batch();
      const z = stageFeatures(model.k!, x, CFG.mixerStage, { training: true });
      const yMb = permuteLabels(labels, DRAWS.permMb);
      const lk = tf.variableGrads(
        () => mixerObjective(model, z, x, y, yMb, DRAWS, CFG).eta.total,
        [...phi, ...q],
      );
      expect(gradMass(lk.grads, q)).toBe(0);
      expect(gradMass(lk.grads, phi)).toBeGreaterThan(0);
      // Every Mixer weight takes part (Q, K, value net).
      for (const v of phi) expect(lk.grads[v.name]).toBeDefined();
      const lm = tf.variableGrads(() => mixerObjective(model, z, x, y, yMb, DRAWS, CFG).mask, [...phi, ...q]);
      expect(gradMass(lm.grads, q)).toBe(0);
    });
  });

  it('keeps θ_k, g_k out of every optimiser; after a step θ_k = m·θ_k_old + (1 − m)·θ_q_new', () => {
    const model = trainer.model;
    const kVars = namedVariables(model.k).map((e) => e.variable);
    const opt = trainer.optimizers;
    for (const v of [...opt.q.vars, ...opt.mixer!.vars]) expect(kVars).not.toContain(v);
    expect(trainableVariables(model.k).length).toBe(0);
    const pairs = namedVariables(model.k)
      .map((e, i) => ({ k: e.variable, q: namedVariables(model.q)[i].variable }))
      .filter((p) => p.q.trainable);
    const kOld = pairs.map((p) => p.k.dataSync().slice());
    const step = trainer.stepCount;
    trainer.step().packed.dispose();
    expect(trainer.model).toBe(model); // reading `model` syncs the per-layer variables from the flat storage
    const m = momentumAt(step, CFG.steps, {
      base: CFG.emaBase,
      end: CFG.emaEnd,
      warmupFrac: CFG.emaWarmupFrac,
    });
    let moved = 0;
    pairs.forEach((p, i) => {
      const kNew = p.k.dataSync();
      const qNew = p.q.dataSync();
      for (let j = 0; j < kNew.length; j++) {
        expect(Math.abs(kNew[j] - (m * kOld[i][j] + (1 - m) * qNew[j]))).toBeLessThan(1e-6);
        moved += Math.abs(kNew[j] - kOld[i][j]);
      }
    });
    expect(moved).toBeGreaterThan(0);
  });

  it('falls back to Mixup for λ_bb ≤ lam_margin and re-normalises with λ_bb under mask_adjust (items 12, 13)', () => {
    const model = trainer.model;
    tf.tidy(() => {
      const { x } = batch();
      const z = stageFeatures(model.k!, x, CFG.mixerStage, { training: true });
      const low = backboneMix(model, z, x, { ...DRAWS, lamBb: 0.05 }, CFG).m;
      expect(tf.max(tf.abs(tf.sub(tf.sub(1, low), 0.05))).arraySync()).toBeLessThan(1e-7);
      const adj = backboneMix(model, z, x, { ...DRAWS, lamBb: 0.3, adjust: true }, CFG).m;
      const ch0 = tf.mean(tf.sub(1, adj), [1, 2, 3]).arraySync() as number[];
      for (const v of ch0) expect(v).toBeCloseTo(0.3, 5);
    });
  });
});

describe('initialisation and partial steps', () => {
  beforeAll(() => initTestBackend());

  it('starts with k a bit-exact copy of q, moving statistics included (item 16)', () => {
    const t = new Trainer(CFG, tinyDataset());
    const q = namedVariables(t.model.q);
    const k = namedVariables(t.model.k);
    expect(k.map((e) => e.name)).toEqual(q.map((e) => e.name));
    q.forEach((e, i) =>
      expect(Array.from(k[i].variable.dataSync())).toEqual(Array.from(e.variable.dataSync())),
    );
    t.dispose();
  });

  it("'mixer' updates only φ; 'classifier' updates only θ_q (and k by EMA)", () => {
    for (const method of ['samix', 'automix'] as const) {
      const t = new Trainer({ ...CFG, method }, tinyDataset());
      // Reading `t.model` syncs the per-layer variables from the trainer's flat storage.
      const snap = (vars: tf.Variable[]) => (void t.model, vars.map((v) => Array.from(v.dataSync())));
      const changed = (before: number[][], vars: tf.Variable[]) =>
        snap(vars).some((v, i) => v.some((x, j) => x !== before[i][j]));
      const phi = mixerVariables(t.model);
      const q = classifierVariables(t.model, CFG);
      const k = namedVariables(t.model.k).map((e) => e.variable);
      const kWeights = namedVariables(t.model.k)
        .filter((e) => !e.name.includes('moving'))
        .map((e) => e.variable);
      const kw0 = snap(kWeights);
      let [p0, q0, k0] = [snap(phi), snap(q), snap(k)];
      t.step('mixer').packed.dispose();
      expect(changed(p0, phi)).toBe(true);
      expect(changed(q0, q)).toBe(false);
      expect(changed(kw0, kWeights)).toBe(false); // k's BN moving statistics may move (train-mode forwards)
      [p0, q0, k0] = [snap(phi), snap(q), snap(k)];
      t.step('classifier').packed.dispose();
      expect(changed(p0, phi)).toBe(false);
      expect(changed(q0, q)).toBe(true);
      expect(changed(k0, k)).toBe(true);
      t.dispose();
    }
  });
});
