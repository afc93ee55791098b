/// <reference lib="webworker" />
/**
 * Worker entry: registers the TF.js backends (imported here, inside the worker, so WebGPU is in the
 * registry: tfjs #7914), points the wasm backend at its binaries, and wires `onmessage` to the
 * handler. Everything else lives in handler.ts and the run*.ts modules it wires.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { SslTrainer } from '../core/sslTrainer';
import { Trainer } from '../core/trainer';
import { selectBackend } from './backend';
import { lazyCheckpointStore } from '../storage/checkpointStore';
import { DatasetCache } from './datasetCache';
import { DatasetSource } from './datasets';
import { DeviceWatch } from './deviceWatch';
import { createHandler } from './handler';
import { MixerStore, RunBundles } from './mixerStore';
import { serializeError, type FromWorker, type ToWorker } from './protocol';
import { decodeInWorker, importUserData } from './userData';

declare const self: DedicatedWorkerGlobalScope;

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});
// Threads only pay off with more than two cores and cross-origin isolation (with two cores the threads compete with the page).
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', self.crossOriginIsolated && navigator.hardwareConcurrency > 2);

const post = (msg: FromWorker, transfer: Transferable[] = []): void => self.postMessage(msg, transfer);

/** A MessageChannel hop yields to queued messages without the timer clamping of background tabs. */
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldNow = (): Promise<void> =>
  new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

const cache = DatasetCache.open();
const sources = new DatasetSource(
  cache,
  import.meta.env.BASE_URL,
  (message) => post({ type: 'error', runId: null, error: { name: 'CacheNote', message }, fatal: false }),
  () => void cache.then(async (c) => post({ type: 'datasets', entries: await c.list() })),
);

const device = new DeviceWatch();
/** SAMix^P bundles: IndexedDB store (opened on first use) and the one a samixp run is built from. */
let mixerStoreOpen: Promise<MixerStore> | null = null;
const mixerStore = (): Promise<MixerStore> => (mixerStoreOpen ??= MixerStore.open());
const runBundles = new RunBundles(mixerStore);
const handle = createHandler(post, {
  selectBackend: async (forced) => {
    const info = await selectBackend(forced);
    device.attach(info.active);
    return info;
  },
  device,
  checkpoints: lazyCheckpointStore(),
  loadDataset: (config, progress) => sources.load(config, progress),
  importData: async (source, options, progress) => {
    const ds = await importUserData(source, options, progress, decodeInWorker);
    await sources.addImported(ds);
    return ds;
  },
  listDatasets: async () => (await cache).list(),
  deleteDataset: (name) => sources.remove(name),
  createTrainer: (config, data) =>
    config.scenario === 'ssl'
      ? new SslTrainer(config, data)
      : new Trainer(config, data, { mixerBundle: runBundles.bundleFor(config) }),
  prepareRun: (config) => runBundles.prepare(config),
  mixers: mixerStore,
  mixersChanged: (name) => runBundles.forget(name),
  memory: () => {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    return { numTensors: m.numTensors, numBytes: m.numBytes, gpuBytes: m.numBytesInGPU };
  },
  now: () => performance.now(),
  yieldNow,
});

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) =>
    post({ type: 'error', runId: null, error: serializeError(err), fatal: false }),
  );
};
self.addEventListener('unhandledrejection', (e) => {
  post({ type: 'error', runId: null, error: serializeError(e.reason), fatal: false });
});
