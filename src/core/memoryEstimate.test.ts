/**
 * The memory pre-flight: the estimate stays above what a step really takes (the wasm heap's
 * high-water mark, measured in a fresh Node process per configuration) without being absurdly
 * above it, and a configuration over its backend's budget is refused with a message that names
 * the estimate, the budget and a batch and width that fit.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config';
import {
  BACKEND_BUDGET_BYTES,
  checkMemory,
  estimateRunBytes,
  memoryRefusal,
  MemoryBudgetError,
  type DataGeometry,
} from './memoryEstimate';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function measure(cfg: Record<string, unknown>): { before: number; after: number; geometry: DataGeometry } {
  const r = spawnSync(TSX, ['src/testing/wasmHeapProbe.ts', JSON.stringify(cfg)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

const SHAPES: DataGeometry = {
  height: 32,
  width: 32,
  channels: 3,
  classes: 10,
  trainCount: 5000,
  testCount: 1000,
};

describe('memory estimate against the measured wasm heap', () => {
  it.each([
    { method: 'erm', batch: 64, width: 8 },
    { method: 'samix', batch: 64, width: 8 },
    { method: 'mixup', batch: 32, width: 16, cleanCE: true },
    { method: 'samix', scenario: 'ssl', batch: 32, width: 8, queueSize: 1024 },
  ])('%j: the estimate covers the heap and is within 2.5× of it', (run) => {
    const cfg = { trainSize: 512, testSize: 128, ...run };
    const m = measure(cfg);
    const used = m.after;
    const est = estimateRunBytes(parseConfig(cfg), m.geometry).total;
    expect(est).toBeGreaterThanOrEqual(used);
    expect(est).toBeLessThan(2.5 * used);
  });
});

describe('memory refusal', () => {
  it('passes the defaults and refuses batch 1024 × width 128 on wasm with a fix that fits', () => {
    expect(memoryRefusal(parseConfig({}), SHAPES, 'wasm')).toBeNull();
    expect(memoryRefusal(parseConfig({ batch: 256, width: 16 }), SHAPES, 'wasm')).toBeNull();
    const big = parseConfig({ batch: 1024, width: 128 });
    const why = memoryRefusal(big, SHAPES, 'wasm') ?? '';
    expect(why).toMatch(
      /^batch 1024 × width 128 needs about \d+\.\d GB on wasm \(activations .*\); this backend allows 3\.8 GB: use batch ≤ (\d+) at width 128, or width ≤ (\d+) at batch 1024$/,
    );
    const [, b, w] = /batch ≤ (\d+) at width 128, or width ≤ (\d+)/.exec(why) ?? [];
    const budget = BACKEND_BUDGET_BYTES.wasm;
    // The suggestions fit, and one more does not.
    expect(estimateRunBytes({ ...big, batch: Number(b) }, SHAPES).total).toBeLessThanOrEqual(budget);
    expect(estimateRunBytes({ ...big, batch: Number(b) + 1 }, SHAPES).total).toBeGreaterThan(budget);
    expect(estimateRunBytes({ ...big, width: Number(w) }, SHAPES).total).toBeLessThanOrEqual(budget);
    expect(estimateRunBytes({ ...big, width: Number(w) + 1 }, SHAPES).total).toBeGreaterThan(budget);
    expect(() => checkMemory(big, SHAPES, 'wasm')).toThrow(MemoryBudgetError);
  });

  it('names trainSize when the dataset alone is too large for the backend', () => {
    const huge = { ...SHAPES, trainCount: 2_000_000 };
    const why = memoryRefusal(parseConfig({ batch: 8, width: 4 }), huge, 'webgl') ?? '';
    expect(why).toMatch(/trainSize ≤ \d+ images \(the dataset alone takes \d+\.\d GB\)$/);
  });

  it('grows with batch, width and the method', () => {
    const at = (c: Record<string, unknown>): number => estimateRunBytes(parseConfig(c), SHAPES).total;
    expect(at({ batch: 128 })).toBeGreaterThan(at({ batch: 64 }));
    expect(at({ width: 32 })).toBeGreaterThan(at({ width: 16 }));
    expect(at({ method: 'samix' })).toBeGreaterThan(at({ method: 'erm' }));
    expect(at({ method: 'samix', scenario: 'ssl', queueSize: 4096 })).toBeGreaterThan(
      at({ method: 'samix' }),
    );
  });
});
