import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTestBackend } from '../../testing/tf';
import { DEFAULT_CONFIG, type RunConfig } from '../config';
import { classify, type ClassifierNet } from '../model';
import { namedVariables } from '../nets/params';
import { tinyDataset } from '../testDatasets';
import { Trainer } from '../trainer';
import { treeFromNamed } from './tfjsWeights';

const BASE: RunConfig = { ...DEFAULT_CONFIG, batch: 8, width: 4, steps: 20, testSize: 16 };
const DS = tinyDataset({ size: 16, channels: 3 });

describe('classifier weights in the tfjs format', () => {
  beforeAll(() => initTestBackend());

  it.each(['samix', 'mixup'] as const)(
    '%s: model.json + weights.bin load back into tfjs with the same values and the same logits',
    async (method) => {
      const t = new Trainer({ ...BASE, method }, DS);
      await t.read(Array.from({ length: 4 }, () => t.step()));
      const { modelJson, weightsBin } = await t.exportClassifierWeights();
      const json = JSON.parse(JSON.stringify(modelJson)) as typeof modelJson; // as a file would be read
      expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
      expect(json.modelInfo).toMatchObject({
        width: 4,
        inputShape: [16, 16, 3],
        head: method === 'samix' ? 'one' : 'mix',
      });
      // Plain TF.js reads it (no project code): every weight equals the trainer's variable.
      const decoded = tf.io.decodeWeights(weightsBin.slice().buffer, json.weightsManifest[0].weights);
      const q = t.model.q;
      const vars = new Map(
        namedVariables({ encoder: q.encoder, heads: q.heads }).map((e) => [e.name, e.variable]),
      );
      const names = Object.keys(decoded);
      expect(names).toContain('encoder.blocks.3.bn2.movingVar');
      expect(names.some((n) => n.startsWith(`heads.${json.modelInfo.head}.`))).toBe(true);
      for (const n of names)
        expect(Array.from(decoded[n].dataSync())).toEqual(Array.from(vars.get(n)!.dataSync()));
      // A classifier built from the file gives the trainer's logits (inference mode).
      const net = {
        encoder: treeFromNamed(decoded, 'encoder', false),
        heads: treeFromNamed(decoded, 'heads', false),
      } as unknown as ClassifierNet;
      const x = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const want = classify(q, x, json.modelInfo.head, { training: false });
      const got = classify(net, x, json.modelInfo.head, { training: false });
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      tf.dispose([x, want, got, ...Object.values(decoded)]);
      for (const { variable } of namedVariables(net)) variable.dispose();
      t.dispose();
    },
  );
});
