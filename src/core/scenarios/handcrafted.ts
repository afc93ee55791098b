/**
 * The step of the hand-crafted methods (docs/method.md): ERM, the pixel methods (a mask from
 * `METHODS[name].makeMask`, applied by `mixWithMask` unless the method returns its own mixed batch)
 * and ManifoldMix (hidden features mixed inside the forward at a layer from `pickManifoldLayer`,
 * 0 = the input). One optimiser, one closure over θ_q and the heads the method trains: `mix` on the
 * mixed batch, `one` on clean images (ERM, or any baseline with `cleanCE`, docs/method.md).
 *
 * Random draws, in order: batch (indices, augmentation), λ ~ Beta(α, α), σ, then whatever the method
 * draws itself (box, spectrum, layer). ERM draws nothing after the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { effectiveAlpha } from '../config';
import { crossEntropy } from '../losses';
import { softTargetCE } from '../lossOps';
import { mixWithMask } from '../mask';
import { pickManifoldLayer } from '../methods/manifoldmix';
import { METHODS } from '../methods/registry';
import type { MaskResult } from '../methods/types';
import { classify, classifyGroups, type ModelLike } from '../model';
import type { FeatureMix } from '../nets/resnet';
import { applyBnUpdates, discardBnUpdates, type BnRecord } from '../nets/batchNorm';
import { section } from '../perf';
import { cosineLr } from '../schedule';
import { packMetrics, sumScalars, type PackedKey } from './metrics';
import { permuteLabels, type SlContext, type StepOutput } from './supervised';
import { captureSample, disposeSample, type StepSample } from './batchSample';
import { keepAll } from './keepAll';

/**
 * PuzzleMix saliency of the current online model: sqrt(mean_c (∂CE/∂x)²), train-mode BN without
 * touching the moving statistics. @returns `[N, H, W, 1]` ≥ 0
 */
export function inputSaliency(model: ModelLike, x: tf.Tensor4D, y: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const g = tf.grad((xi: tf.Tensor) =>
      crossEntropy(classify(model.q, xi as tf.Tensor4D, 'mix', { training: true, paramGrads: false }), y),
    )(x);
    return tf.sqrt(tf.mean(tf.square(g), 3, true)) as tf.Tensor4D; // [N, H, W, 1]
  });
}

/** A method's label weight as a number or a device tensor (`[N]` or scalar). */
function labelWeight(lam: MaskResult['lam']): number | tf.Tensor {
  return lam instanceof Float32Array ? tf.tensor1d(lam) : lam;
}

/** How a step mixes its batch: the input of the classifier and the label weights. */
interface MixPlan {
  /** Mixed images for pixel methods (`[N, H, W, C]`), else null (clean x, maybe mixed inside). */
  mixed: tf.Tensor4D | null;
  /** Label weight of y: a number, or a device tensor (scalar or `[N]`). */
  lam: number | tf.Tensor;
  /** y[σ] on the host. */
  labelsB: Int32Array;
  /** ManifoldMix's feature mixing. */
  mixAtStage?: FeatureMix;
  /** Mean weight of the un-shuffled image. */
  maskMean: tf.Scalar;
}

/** Draws λ, σ and the method's own randomness, and builds the mixed batch (no gradient). */
function planMix(
  c: SlContext,
  model: ModelLike,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  labels: Int32Array,
): MixPlan {
  const { cfg, rng } = c;
  const method = METHODS[cfg.method];
  const alpha = effectiveAlpha(cfg);
  const lam = rng.beta(alpha, alpha);
  const perm = rng.permutation(cfg.batch);
  const labelsB = permuteLabels(labels, perm);
  if (method.kind === 'feature') {
    return {
      mixed: null,
      lam,
      labelsB,
      mixAtStage: { stage: pickManifoldLayer(rng), perm, lam },
      maskMean: tf.scalar(lam),
    };
  }
  if (!method.makeMask) throw new Error(`method ${cfg.method} has no mask`);
  const res = method.makeMask({
    x,
    perm,
    lam,
    rng,
    inputSaliency: () => inputSaliency(model, x, y),
    pretrained: c.pretrained,
  });
  const own = (res as MaskResult & { mixed?: tf.Tensor4D }).mixed;
  return {
    mixed: own ?? mixWithMask(x, perm, res.m), // [N, H, W, C]
    lam: labelWeight(res.lam),
    labelsB,
    maskMean: tf.sub(1, tf.mean(res.m)) as tf.Scalar,
  };
}

/** One hand-crafted-method step (ERM, pixel methods, ManifoldMix). */
export function handcraftedStep(c: SlContext): StepOutput {
  const { cfg } = c;
  const isErm = METHODS[cfg.method].kind === 'none';
  section('data');
  const { x, y, labels } = c.data.nextBatch(c.dataRng, cfg.batch, cfg.augment);
  const bnQ: BnRecord[] = [];
  const kept: tf.Tensor[] = [];
  let lamHost = 1;
  let sample: StepSample | undefined;
  try {
    const packed = tf.tidy(() => {
      const out: Partial<Record<PackedKey, tf.Scalar>> = {};
      // Outside the closure; head weights left flat (the fused op reshapes what it reads, nets/flat.ts).
      const model: ModelLike = { q: c.nets.q.views({ flatMatrices: true }), k: null, mixer: null };
      if (!isErm) section('mixer');
      const plan = isErm ? null : planMix(c, model, x, y, labels);
      if (plan && typeof plan.lam !== 'number') out.lamEff = tf.mean(plan.lam) as tf.Scalar;
      lamHost = !plan ? 1 : typeof plan.lam === 'number' ? plan.lam : NaN;
      out.maskMean = plan ? plan.maskMean : tf.scalar(1);
      // What the classifier sees: the mixed batch (clean images for ERM and ManifoldMix, which mixes features).
      sample = plan
        ? captureSample(plan.mixed ?? x, labels, plan.labelsB, plan.lam)
        : captureSample(x, labels, labels, 1);
      const { grads } = tf.variableGrads(() => {
        const bn = { bnUpdates: bnQ, inputGrad: false };
        section('online');
        if (!plan) {
          const logits = classifyGroups(model.q, [x], ['one'], bn); // [1, N, classes]
          section('loss');
          const ce = softTargetCE(logits, [{ yA: labels, yB: labels, lam: 1 }]);
          const oneQ = tf.reshape(ce.loss, []) as tf.Scalar;
          const acc = tf.reshape(ce.acc, []) as tf.Scalar;
          keepAll(kept, oneQ, acc);
          Object.assign(out, { oneQ, acc });
          return oneQ;
        }
        // With the clean-image CE, pixel methods classify the mixed and the clean batch in one forward
        // (each with its own BN statistics); ManifoldMix mixes inside the forward, so it runs two.
        const mixed = { yA: labels, yB: plan.labelsB, lam: plan.lam };
        const clean = { yA: labels, yB: labels, lam: 1 };
        let ce: { loss: tf.Tensor1D; acc: tf.Tensor1D };
        if (cfg.cleanCE && plan.mixed) {
          const logits = classifyGroups(model.q, [plan.mixed, x], ['mix', 'one'], bn); // [2, N, classes]
          section('loss');
          ce = softTargetCE(logits, [mixed, clean]);
        } else {
          const logits = classifyGroups(model.q, [plan.mixed ?? x], ['mix'], {
            ...bn,
            mixAtStage: plan.mixAtStage,
          });
          const logitsOne = cfg.cleanCE ? classifyGroups(model.q, [x], ['one'], bn) : null;
          section('loss');
          ce = softTargetCE(logits, [mixed]);
          if (logitsOne) {
            const one = softTargetCE(logitsOne, [clean]);
            ce = { loss: tf.concat([ce.loss, one.loss]) as tf.Tensor1D, acc: ce.acc };
          }
        }
        // (tf.unstack of a length-1 axis has no gradient in TF.js 4.22: reshape instead.)
        const [mixQ, oneQ] = (ce.loss.size === 1 ? [tf.reshape(ce.loss, [])] : tf.unstack(ce.loss)) as Array<
          tf.Scalar | undefined
        >;
        const acc = tf.reshape(tf.slice(ce.acc, [0], [1]), []) as tf.Scalar;
        keepAll(kept, mixQ, acc, oneQ);
        Object.assign(out, { mixQ, acc, oneQ });
        return oneQ ? (tf.add(mixQ!, oneQ) as tf.Scalar) : mixQ!;
      }, c.optQ.vars);
      section('optimizer');
      c.optQ.step(grads, cosineLr(c.step, cfg.steps, cfg.lr, 0));
      applyBnUpdates(bnQ);
      section('loss');
      out.total = sumScalars([out.mixQ, out.oneQ]);
      return packMetrics(out);
    });
    return { packed, lamMb: NaN, lamBb: lamHost, sample };
  } catch (e) {
    disposeSample(sample ?? null);
    throw e;
  } finally {
    discardBnUpdates(bnQ);
    for (const t of kept) t.dispose();
    if (sample?.x !== x) x.dispose(); // ERM and ManifoldMix show the clean batch: the sample owns it
    y.dispose();
  }
}
