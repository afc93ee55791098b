import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../core/checkpoint';
import { DEFAULT_CONFIG } from '../core/config';
import { Trainer } from '../core/trainer';
import { generateShapes } from '../data/shapes';
import { buildRunBundle } from '../export/runBundle';
import { initTestBackend } from '../testing/tf';
import { parseWarmStartIndex, readShippedRun, type WarmStartEntry } from '../ui/warmStarts';
import { UsageError } from './args';
import { parseWarmStartArgs, trainWarmStart } from './warmStart';

describe('warm-start command', () => {
  beforeAll(() => initTestBackend());

  it('ships a run at 3/4 of its budget by default and refuses a stop past the budget', () => {
    const o = parseWarmStartArgs(['--steps', '400', '--out', '/tmp/x']);
    expect([o.steps, o.stopAt, o.frameEvery]).toEqual([400, 300, 50]);
    expect(() => parseWarmStartArgs(['--steps', '10', '--stop-at', '11'])).toThrow(UsageError);
    expect(() => parseWarmStartArgs(['--methods', 'samixp'])).toThrow(/samixp/);
  });

  it('trains a run whose bundle opens on the page and whose checkpoint continues it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warm-'));
    const o = { ...parseWarmStartArgs(['--steps', '6', '--stop-at', '4', '--frame-every', '2']), out: dir };
    const { bytes, entry } = await trainWarmStart('samix', o, () => undefined);
    expect([entry.steps, entry.budget]).toEqual([4, 6]);
    const listed: WarmStartEntry = { ...entry, file: 'samix.zip', bytes: bytes.length };
    const run = readShippedRun(listed, bytes);
    expect(run.bundle.config).toMatchObject({ method: 'samix', dataset: 'shapes', steps: 6 });
    expect(run.bundle.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(run.bundle.history!.frames.map((f) => f.step)).toEqual([0, 2, 4]);
    const ckpt = decodeCheckpoint(run.checkpoint);
    expect(ckpt.step).toBe(4);
    const t = new Trainer(run.bundle.config, generateShapes());
    try {
      t.restore(ckpt);
      const [m] = await t.read([t.step()]);
      expect(m.step).toBe(5);
      expect(Number.isFinite(m.loss.total)).toBe(true);
    } finally {
      t.dispose();
    }
  });
});

describe('runs/index.json and shipped bundles on the page', () => {
  const good = {
    method: 'samix',
    file: 'samix.zip',
    steps: 1500,
    budget: 2000,
    testAccQ: 0.8,
    testAccK: 0.79,
    objectKept: 1.3,
    bytes: 10,
  };

  it('reads a valid index and names what is wrong in a bad one', () => {
    expect(
      parseWarmStartIndex({
        version: 1,
        runs: [good, { ...good, method: 'erm', file: 'erm.zip', testAccK: null, objectKept: null }],
      }),
    ).toHaveLength(2);
    expect(() => parseWarmStartIndex({ version: 2, runs: [] })).toThrow(/version 2 is not supported/);
    expect(() => parseWarmStartIndex({ version: 1, runs: [{ ...good, method: 'nope' }] })).toThrow(
      /runs\[0\]\.method/,
    );
    expect(() => parseWarmStartIndex({ version: 1, runs: [{ ...good, file: '../x.zip' }] })).toThrow(
      /runs\[0\]\.file/,
    );
    expect(() => parseWarmStartIndex({ version: 1, runs: [{ ...good, testAccQ: 'high' }] })).toThrow(
      /runs\[0\]\.testAccQ/,
    );
  });

  it('refuses a bundle without a checkpoint, naming the file', () => {
    const bytes = buildRunBundle({ config: DEFAULT_CONFIG, metrics: [], evals: [] });
    expect(() => readShippedRun(good as WarmStartEntry, bytes)).toThrow(
      /runs\/samix\.zip: it has no weights\/checkpoint\.bin/,
    );
    expect(() => readShippedRun(good as WarmStartEntry, new Uint8Array([1, 2, 3]))).toThrow(
      /runs\/samix\.zip: /,
    );
  });
});
