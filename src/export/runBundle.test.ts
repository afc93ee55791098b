import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type RunConfig } from '../core/config';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import { decodePng } from '../data/png';
import { probePair } from '../testing/fixtures';
import type { MaskFrame } from './maskHistory';
import {
  EVALS_COLUMNS,
  METRICS_COLUMNS,
  RUN_BUNDLE_VERSION,
  RunBundleError,
  buildRunBundle,
  readRunBundle,
} from './runBundle';

const config: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', dataset: 'cifar10', steps: 300, eta: 0.35 };

const metrics: StepMetrics[] = Array.from({ length: 6 }, (_, i) => ({
  step: i + 1,
  epoch: (i + 1) / 7,
  lamMb: i === 2 ? NaN : 0.1 + i / 3,
  lamBb: 0.9 - i / 11,
  maskMean: 1 / (i + 3),
  loss: {
    total: 2.302585 - i * 0.123456789,
    local: 0.6931,
    global: i === 4 ? Infinity : 1e-7 * i,
    mixer: 0.5 + i,
    mask: -0.02,
    maskL1: 0,
    maskVar: 0.15,
    mixQ: 1.25,
    oneQ: 0.75,
  },
  acc: { train: i / 6 },
  msPerStep: 12.5 + i,
}));

const evals: EvalResult[] = [
  { step: 3, testAccQ: 0.41, testAccK: 0.43, objectKept: 1.21 },
  { step: 6, testAccQ: 0.5, testAccK: NaN },
];

/** Two probe pairs of 8×8 images, RGB. */
function frame(step: number): MaskFrame {
  const mask = (k: number) => Uint8Array.from({ length: 64 }, (_, p) => (p * 4 + step * 10 + k * 50) % 256);
  const mixed = (k: number) => Uint8Array.from({ length: 192 }, (_, p) => (p + step + k) % 256);
  return {
    step,
    pairKey: '1-2,3-4',
    masks: [mask(0), mask(1)],
    mixed: [mixed(0), mixed(1)],
    lamEff: [0.4, 0.6],
    objectKeptA: [NaN, NaN],
    objectKeptB: [NaN, NaN],
  };
}

const weights = [
  { name: 'model.json', data: strToU8('{"format":"layers-model"}') },
  { name: 'group1-shard1of1.bin', data: Uint8Array.from([1, 2, 3, 250]) },
];

describe('run bundle', () => {
  const zip = buildRunBundle({
    config,
    metrics,
    evals,
    frames: [frame(10), frame(20), frame(30)],
    weights,
    meta: { app: 'test', backend: 'cpu' },
  });

  it('round-trips config, metrics, evals, meta and weights', () => {
    const b = readRunBundle(zip);
    expect(b.version).toBe(RUN_BUNDLE_VERSION);
    expect(b.config).toEqual(config);
    expect(b.metrics).toEqual(metrics); // NaN and Infinity included
    expect(b.evals).toEqual(evals);
    expect(b.meta).toEqual({ app: 'test', backend: 'cpu' });
    expect(b.weights.map((w) => w.name).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(b.weights.find((w) => w.name === 'group1-shard1of1.bin')?.data).toEqual(
      Uint8Array.from([1, 2, 3, 250]),
    );
  });

  it('has the listed files; run.json carries format and version', () => {
    const files = unzipSync(zip);
    const run = JSON.parse(strFromU8(files['run.json'])) as {
      format: string;
      version: number;
      files: string[];
    };
    expect(run.version).toBe(1);
    expect(run.format).toBe('samix-run-bundle');
    expect(run.files).toEqual(Object.keys(files).sort());
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['metrics.csv', 'metrics.json', 'evals.csv', 'masks.gif', 'masks.png']),
    );
  });

  it('metrics.csv and evals.csv parse back (lines, commas) to the same numbers', () => {
    const files = unzipSync(zip);
    const rows = strFromU8(files['metrics.csv']).trim().split('\n');
    expect(rows[0]).toBe(
      'step,epoch,lamMb,lamBb,maskMean,total,local,global,mixer,mask,maskL1,maskVar,mixQ,oneQ,accTrain,msPerStep',
    );
    expect(rows[0].split(',')).toEqual(METRICS_COLUMNS);
    rows.slice(1).forEach((line, i) => {
      const m = metrics[i];
      const expected = [m.step, m.epoch, m.lamMb, m.lamBb, m.maskMean, m.loss.total, m.loss.local];
      expected.push(m.loss.global, m.loss.mixer, m.loss.mask, m.loss.maskL1, m.loss.maskVar, m.loss.mixQ);
      expected.push(m.loss.oneQ, m.acc.train, m.msPerStep);
      expect(line.split(',').map(Number)).toEqual(expected);
    });
    const ev = strFromU8(files['evals.csv']).trim().split('\n');
    expect(ev[0].split(',')).toEqual(EVALS_COLUMNS);
    expect(ev.slice(1).map((l) => l.split(',').map(Number))).toEqual(
      evals.map((e) => [e.step, e.testAccQ, e.testAccK, e.objectKept ?? NaN]),
    );
  });

  it('reads the object-kept score back, and evals.csv of bundles written before it', () => {
    expect(readRunBundle(zip).evals).toEqual(evals);
    const files = unzipSync(zip);
    files['evals.csv'] = strToU8('step,testAccQ,testAccK\n3,0.41,0.43\n');
    expect(readRunBundle(zipSync(files)).evals).toEqual([{ step: 3, testAccQ: 0.41, testAccK: 0.43 }]);
  });

  it('draws the mask history: a GIF with one frame per MaskFrame and a PNG sheet', () => {
    const b = readRunBundle(zip);
    const gif = b.masksGif!;
    expect(strFromU8(gif.subarray(0, 6))).toBe('GIF89a');
    // 8 px tiles scaled ×8 = 64 px; 4 tiles per row (mask + mixed per pair), 2 px gaps
    const width = gif[6] | (gif[7] << 8);
    const height = gif[8] | (gif[9] << 8);
    expect([width, height]).toEqual([4 * 64 + 3 * 2, 64]);
    let gces = 0;
    for (let i = 0; i + 1 < gif.length; i++)
      if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4) gces++;
    expect(gces).toBeGreaterThanOrEqual(3);
    const png = decodePng(b.masksPng!, 'masks.png');
    expect([png.width, png.height]).toEqual([width, 3 * 64 + 2 * 4]);
    // the first tile of the first row is the gray mask of pair 0 at step 10, scaled ×8
    const mask0 = frame(10).masks[0];
    for (const [x, y] of [
      [0, 0],
      [63, 63],
      [17, 40],
    ]) {
      const v = mask0[Math.floor(y / 8) * 8 + Math.floor(x / 8)];
      expect([...png.rgba.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 4)]).toEqual([
        v,
        v,
        v,
        255,
      ]);
    }
  });

  it('is deterministic', () => {
    expect(buildRunBundle({ config, metrics, evals })).toEqual(buildRunBundle({ config, metrics, evals }));
  });

  it('rejects a newer format version, naming the version found and the one supported', () => {
    const files = unzipSync(zip);
    const run = JSON.parse(strFromU8(files['run.json'])) as Record<string, unknown>;
    files['run.json'] = strToU8(JSON.stringify({ ...run, version: 99 }));
    const newer = zipSync(files);
    expect(() => readRunBundle(newer)).toThrow(RunBundleError);
    expect(() => readRunBundle(newer)).toThrow(/version 99 is newer than this app supports \(version 1\)/);
  });

  it('rejects missing files, a bad config and non-zip input with clear messages', () => {
    const without = unzipSync(zip);
    delete without['metrics.csv'];
    expect(() => readRunBundle(zipSync(without))).toThrow(/metrics\.csv is missing/);
    const bad = unzipSync(zip);
    const run = JSON.parse(strFromU8(bad['run.json'])) as { config: Record<string, unknown> };
    bad['run.json'] = strToU8(JSON.stringify({ ...run, config: { ...run.config, lr: 20 } }));
    expect(() => readRunBundle(zipSync(bad))).toThrow(
      /config: lr must be a number in \[0\.000001, 10\]; got 20/,
    );
    expect(() => readRunBundle(strToU8('hello'))).toThrow(/not a zip file|run\.json is missing/);
    const csv = unzipSync(zip);
    csv['evals.csv'] = strToU8('step,testAccQ,testAccK\n1,abc,0\n');
    expect(() => readRunBundle(zipSync(csv))).toThrow(/evals\.csv line 2 column testAccQ/);
  });

  it('refuses unsafe weight names and invalid configs when building', () => {
    expect(() =>
      buildRunBundle({ config, metrics, evals, weights: [{ name: '../x', data: new Uint8Array() }] }),
    ).toThrow(/weights name/);
    expect(() => buildRunBundle({ config: { ...config, batch: 1 }, metrics, evals })).toThrow(
      /batch must be/,
    );
  });
});

describe('run bundle with mask history', () => {
  it('carries the timeline (frames and probe images) and can leave out the media files', () => {
    const f = frame(4);
    const side = Math.round(Math.sqrt(f.masks[0].length));
    const channels = f.mixed[0].length / f.masks[0].length;
    const images = new Map([
      [
        f.pairKey,
        {
          step: 4,
          width: side,
          height: side,
          channels,
          pairs: f.masks.map((_, k) => probePair(side, channels, 0.5, { indexA: 2 * k, indexB: 2 * k + 1 })),
        },
      ],
    ]);
    const zip = buildRunBundle({
      config,
      metrics,
      evals,
      frames: [f],
      history: { frames: [f], images },
      media: false,
    });
    const names = Object.keys(unzipSync(zip));
    expect(names).toContain('history.bin');
    expect(names).not.toContain('masks.gif');
    const back = readRunBundle(zip);
    expect(back.history?.frames).toEqual([f]);
    expect(back.history?.images.get(f.pairKey)?.pairs.map((p) => p.indexB)).toEqual(
      f.masks.map((_, k) => 2 * k + 1),
    );
  });
});
