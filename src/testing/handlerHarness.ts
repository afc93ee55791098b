/**
 * Test support for the worker handler tests: a tensor-free trainer double, a tiny dataset, handler
 * deps that need no browser, a post collector and message filters/waits.
 * Test-only: production code never imports this module.
 */
import type { RunConfig } from '../core/config';
import type { EvalResult, ProbeResult, StepMetrics, StepPart } from '../core/trainerTypes';
import type { ImageDataset } from '../data/types';
import { createHandler, type HandlerDeps, type TrainerLike } from '../worker/handler';
import type { FromWorker, ToWorker } from '../worker/protocol';
import { point } from './fixtures';

/** A trainer double with no tensors: a step returns its number, reads give fixed metrics. */
export class StubTrainer implements TrainerLike {
  stepCount = 0;
  epoch = 0;
  /** `side`: height and width of the probe; `msPerStep`: the wall time in every metrics point. */
  constructor(
    readonly side = 1,
    readonly msPerStep = 0,
  ) {}
  step(_part?: StepPart): unknown {
    return ++this.stepCount;
  }
  async read(pending: unknown[]): Promise<StepMetrics[]> {
    return (pending as number[]).map((step) => ({ ...point(step), msPerStep: this.msPerStep }));
  }
  async evaluate(): Promise<EvalResult> {
    return { step: this.stepCount, testAccQ: 0.1, testAccK: 0.1 };
  }
  async probe(): Promise<ProbeResult> {
    return { step: this.stepCount, height: this.side, width: this.side, channels: 1, pairs: [] };
  }
  setLive(_patch: Partial<RunConfig>): void {}
  dispose(): void {}
}

/** A two-class, one-channel `side`×`side` dataset of zeros: 2 train images, `testCount` test images. */
export function tinyImages(side = 1, testCount = 4): ImageDataset {
  const labels = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 2);
  return {
    name: 'shapes',
    classes: ['a', 'b'],
    height: side,
    width: side,
    channels: 1,
    train: { count: 2, images: new Uint8Array(2 * side * side), labels: labels(2) },
    test: { count: testCount, images: new Uint8Array(testCount * side * side), labels: labels(testCount) },
    mean: [0],
    std: [1],
    flip: false,
  };
}

/** A simulated latency inside a test double (a slow load, a slow backend); tests wait with `until`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits until `cond` holds, checking after every macrotask turn, for at most `timeoutMs` of wall time
 * (a generous bound on a loaded machine); returns quietly then, so the test's next expectation fails
 * with its own message.
 */
export async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await sleep(1);
}

/**
 * Lets `n` macrotask turns pass: enough for a running loop (which yields once per step) to have
 * taken several steps, so "nothing happened" can be asserted without a wall-clock wait.
 */
export async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setTimeout(r, 0));
}

/** Handler deps for Node tests: backend `wasm`, `data` for every load and import, a clock ticking 10 per read. */
export function stubDeps(
  data: ImageDataset,
  createTrainer: HandlerDeps['createTrainer'],
  overrides: Partial<HandlerDeps> = {},
): HandlerDeps {
  let clock = 0;
  return {
    selectBackend: async () => ({
      active: 'wasm',
      adapter: 'test',
      isSoftware: true,
      forced: null,
      skipped: [],
      initMs: 1,
    }),
    loadDataset: async () => data,
    importData: async () => data,
    listDatasets: async () => [],
    deleteDataset: async () => undefined,
    createTrainer,
    memory: () => ({ numTensors: 0, numBytes: 0 }),
    now: () => (clock += 10),
    yieldNow: () => sleep(1),
    ...overrides,
  };
}

/** A handler around `deps` whose posts are collected in `out`; `send` passes one message in. */
export function startHandler(deps: HandlerDeps) {
  const out: FromWorker[] = [];
  const handle = createHandler((m) => out.push(m), deps);
  return { out, send: (m: ToWorker) => handle(m) };
}

/** The posted messages of one type, narrowed to it. */
export const ofType = <T extends FromWorker['type']>(out: FromWorker[], type: T) =>
  out.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);

/** The statuses posted, in order. */
export const statuses = (out: FromWorker[]) => ofType(out, 'status').map((m) => m.status);
