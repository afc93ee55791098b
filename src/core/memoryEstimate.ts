/**
 * Memory pre-flight of a run: the bytes a configuration needs on its backend, estimated before
 * anything is allocated, against the backend's budget, so a configuration that cannot fit is refused
 * at Start with a message that says what would fit (instead of a wasm "memory access out of bounds"
 * that breaks the worker, or a headless run that dies with `Aborted()`).
 *
 * The estimate is the sum of
 * - the dataset resident on the backend (float32 train + test images, residentData.ts),
 * - the parameters with everything that shadows them (flat copy and per-layer mirrors, gradients,
 *   momentum slots, the momentum encoder, the Mixer's Adam slots): PARAM_COPIES × 4 bytes each,
 * - a step's activations: batch × (image pixels × width W) × bytes per unit, per method family,
 *   measured as the wasm heap's high-water mark in Node (the heap only grows) and rounded up
 *   (`src/core/memoryEstimate.test.ts` checks the estimate stays above measured steps).
 * Pure TypeScript (no TF.js).
 */
import type { RunConfig } from './configDefaults';
import type { BackendName } from './configDefaults';

/** What the estimate needs to know about the data (after trainSize / testSize). */
export interface DataGeometry {
  height: number;
  width: number;
  channels: number;
  classes: number;
  trainCount: number;
  testCount: number;
}

/** Bytes per (batch image × pixel × W) of one training step, by what the step trains. */
const ACTIVATION_BYTES = {
  /** ERM and the pixel methods (one forward + backward of the classifier). */
  handcrafted: 300,
  /** The same with the clean-image CE (two classifier passes), and SAMix^P (frozen encoder + Mixer). */
  twoPasses: 520,
  /** AutoMix, SAMix: momentum encoder, both Mixer passes, the 2N online forward. */
  learned: 640,
  /** SSL: plain MoCo, MoCo + Mixup/CutMix, SSL SAMix. */
  sslErm: 430,
  sslMix: 700,
  sslSamix: 980,
} as const;

/** How many float32 copies of the parameters a run holds (see the file comment). */
const PARAM_COPIES = 10;
/** Kernels, the wasm module and its first heap, small buffers. */
const FIXED_BYTES = 48 * 2 ** 20;

/**
 * Budget per backend. wasm: the module's heap stops at 4 GiB (32-bit addresses) and grows in steps
 * of up to 20 %, so 3.5 GiB of it (an ERM step at batch 1024, width 16 took the heap to 3.9 GiB and
 * still ran; batch 1024 × width 128 fails with "memory access out of bounds"). The others (GPU memory, a tab's JS heap) are not known to a
 * page: 2 GiB, which every device the playground targets has to spare.
 */
export const BACKEND_BUDGET_BYTES: Record<BackendName, number> = {
  wasm: 3.5 * 2 ** 30,
  webgpu: 2 * 2 ** 30,
  webgl: 2 * 2 ** 30,
  cpu: 2 * 2 ** 30,
};

/** Parameter count of ResNet-mini (stem, four one-block stages) with `inC` input channels. */
export function resnetParamCount(inC: number, w: number): number {
  const widths = [w, 2 * w, 4 * w, 8 * w];
  let n = 9 * inC * w + 4 * w;
  let cin = w;
  widths.forEach((cout, s) => {
    n += 9 * cin * cout + 9 * cout * cout + 8 * cout;
    if (s > 0 || cin !== cout) n += cin * cout + 4 * cout;
    cin = cout;
  });
  return n;
}

function activationBytesPerUnit(cfg: RunConfig): number {
  if (cfg.scenario === 'ssl') {
    if (cfg.method === 'samix') return ACTIVATION_BYTES.sslSamix;
    return cfg.method === 'erm' ? ACTIVATION_BYTES.sslErm : ACTIVATION_BYTES.sslMix;
  }
  if (cfg.method === 'samix' || cfg.method === 'automix') return ACTIVATION_BYTES.learned;
  if (cfg.method === 'samixp' || (cfg.method !== 'erm' && cfg.cleanCE)) return ACTIVATION_BYTES.twoPasses;
  return ACTIVATION_BYTES.handcrafted;
}

export interface MemoryEstimate {
  total: number;
  data: number;
  params: number;
  activations: number;
}

/** The estimated peak bytes of a run of `cfg` on data of geometry `g` (see the file comment). */
export function estimateRunBytes(
  cfg: Pick<
    RunConfig,
    'method' | 'scenario' | 'cleanCE' | 'batch' | 'width' | 'queueSize' | 'projDim' | 'projHidden'
  >,
  g: DataGeometry,
): MemoryEstimate {
  const data = (g.trainCount + g.testCount) * g.height * g.width * g.channels * 4;
  const w8 = 8 * cfg.width;
  const mixer = 2 * (2 * w8) * w8 + w8 * w8; // an upper bound of the Mixer at the widest stage
  const heads = w8 * g.classes * 2;
  const ssl = cfg.scenario === 'ssl' ? w8 * cfg.projHidden + cfg.projHidden * cfg.projDim : 0;
  const params = (resnetParamCount(g.channels, cfg.width) + mixer + heads + ssl) * 4 * PARAM_COPIES;
  const queue = cfg.scenario === 'ssl' ? cfg.queueSize * cfg.projDim * 4 : 0;
  const unit = g.height * g.width * cfg.width;
  const activations = cfg.batch * unit * activationBytesPerUnit(cfg as RunConfig) + queue;
  return { total: data + params + activations + FIXED_BYTES, data, params, activations };
}

/** "1.5 GB", "312 MB": decimal units, as people read them. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  return `${Math.max(1, Math.round(n / 1e3))} kB`;
}

/**
 * Null when the run fits `budget`, else a message naming the configuration, the estimate and its
 * parts, the budget, and what would fit: the largest batch at this width, the largest width at this
 * batch, or fewer images (trainSize) when the dataset alone is too large.
 */
export function memoryRefusal(
  cfg: RunConfig,
  g: DataGeometry,
  backend: BackendName,
  budget: number = BACKEND_BUDGET_BYTES[backend],
): string | null {
  const e = estimateRunBytes(cfg, g);
  if (e.total <= budget) return null;
  const fits = (c: Partial<RunConfig>): boolean => estimateRunBytes({ ...cfg, ...c }, g).total <= budget;
  const fixes: string[] = [];
  let batch = cfg.batch;
  while (batch > 2 && !fits({ batch })) batch = Math.max(2, Math.floor(batch * 0.9));
  if (fits({ batch })) {
    // Grow back to the largest batch that fits (the 10 % steps overshoot).
    while (batch + 1 < cfg.batch && fits({ batch: batch + 1 })) batch++;
    fixes.push(`batch ≤ ${batch} at width ${cfg.width}`);
  }
  let width = cfg.width;
  while (width > 2 && !fits({ width })) width--;
  if (fits({ width })) fixes.push(`width ≤ ${width} at batch ${cfg.batch}`);
  if (e.data > budget / 2) {
    const perImage = e.data / (g.trainCount + g.testCount);
    fixes.push(
      `trainSize ≤ ${Math.floor(budget / 2 / perImage - g.testCount)} images (the dataset alone takes ${formatBytes(e.data)})`,
    );
  }
  const parts = `activations ${formatBytes(e.activations)}, parameters ${formatBytes(e.params)}, data ${formatBytes(e.data)}`;
  return (
    `batch ${cfg.batch} × width ${cfg.width} needs about ${formatBytes(e.total)} on ${backend} (${parts}); ` +
    `this backend allows ${formatBytes(budget)}: ${fixes.length > 0 ? `use ${fixes.join(', or ')}` : 'use a smaller batch and width'}`
  );
}

/** A configuration that does not fit its backend's memory (memoryRefusal's message). */
export class MemoryBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryBudgetError';
  }
}

/** Throws a MemoryBudgetError when `cfg` does not fit (see memoryRefusal). */
export function checkMemory(cfg: RunConfig, g: DataGeometry, backend: BackendName, budget?: number): void {
  const why = memoryRefusal(cfg, g, backend, budget);
  if (why) throw new MemoryBudgetError(why);
}
