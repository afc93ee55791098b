/**
 * Child-process probe for src/core/memoryEstimate.test.ts: builds the trainer of the configuration
 * given as JSON in argv[2] on `shapes` (trainSize/testSize as given), warms it up, trains two steps,
 * evaluates and probes, and prints the wasm heap's size before and after as one JSON line. The heap
 * only grows, so its final size is the run's high-water mark; a fresh process per configuration.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { parseConfig } from '../core/config';
import { SslTrainer } from '../core/sslTrainer';
import { Trainer } from '../core/trainer';
import { generateShapes } from '../data/shapes';

const heapBytes = (): number =>
  (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;

async function main(): Promise<void> {
  await tf.setBackend('wasm');
  const ds = generateShapes();
  const cfg = parseConfig(JSON.parse(process.argv[2]) as Record<string, unknown>);
  const before = heapBytes();
  const t = cfg.scenario === 'ssl' ? new SslTrainer(cfg, ds) : new Trainer(cfg, ds);
  await t.warmup();
  for (let i = 0; i < 2; i++) await t.read([t.step()]);
  await t.evaluate();
  await t.probe(
    [
      [0, 1],
      [2, 3],
    ],
    0.5,
  );
  const geometry = {
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    classes: ds.classes.length,
    trainCount: t.data.trainCount,
    testCount: t.data.testCount,
  };
  process.stdout.write(`${JSON.stringify({ before, after: heapBytes(), geometry })}\n`);
  t.dispose();
}

void main();
