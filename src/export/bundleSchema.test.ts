/**
 * Imported run bundles are checked field by field (bundleSchema.ts): each bad document a user might feed
 * is refused with a message naming the file and the field, before anything is drawn from it.
 */
import { strFromU8, strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../core/trainerTypes';
import { onePairBundleFiles } from '../testing/bundleFixtures';
import { bundleNumber, checkEvals, checkHistoryJson } from './bundleSchema';
import { readRunBundle } from './runBundle';

const metrics: StepMetrics[] = [1, 2].map((step) => ({
  step,
  epoch: step / 10,
  lamMb: 0.5,
  lamBb: 0.5,
  maskMean: 0.5,
  loss: { total: 2, local: 0.7, global: 1, mixer: 1, mask: 0, maskL1: 0, maskVar: 0.1, mixQ: 2, oneQ: 2 },
  acc: { train: 0.1 },
  msPerStep: 10,
}));

/** A valid bundle with a one-pair 4×4 RGB history, as zip entries to edit. */
const bundleFiles = (): Record<string, Uint8Array> => onePairBundleFiles(metrics);

function withEdit(file: string, edit: (text: string) => string): Uint8Array {
  const files = bundleFiles();
  files[file] = strToU8(edit(strFromU8(files[file])));
  return zipSync(files);
}

const editHistory = (f: (h: Record<string, unknown>) => void) =>
  withEdit('history.json', (t) => {
    const h = JSON.parse(t) as Record<string, unknown>;
    f(h);
    return JSON.stringify(h);
  });
const probe0 = (h: Record<string, unknown>) => (h.probes as Array<Record<string, unknown>>)[0];
const frame0 = (h: Record<string, unknown>) => (h.frames as Array<Record<string, unknown>>)[0];

describe('run bundle schema', () => {
  it('reads the valid bundle', () => {
    const b = readRunBundle(zipSync(bundleFiles()));
    expect(b.history?.frames).toHaveLength(1);
    expect(b.evals).toEqual([{ step: 2, testAccQ: 0.3, testAccK: 0.25, objectKept: 1.2 }]);
  });

  it.each<[string, Uint8Array, RegExp]>([
    [
      'a 0×0 probe',
      editHistory((h) => Object.assign(probe0(h), { width: 0, height: 0 })),
      /^history\.json probes\[0\]\.width: expected a whole number from 1 to 256; got 0$/,
    ],
    [
      'a −4×−4 probe',
      editHistory((h) => Object.assign(probe0(h), { width: -4, height: -4 })),
      /^history\.json probes\[0\]\.width: expected a whole number from 1 to 256; got -4$/,
    ],
    [
      'two channels',
      editHistory((h) => Object.assign(probe0(h), { channels: 2 })),
      /probes\[0\]\.channels: expected 1 \(gray\) or 3 \(RGB\); got 2/,
    ],
    [
      'probes that are not a list',
      editHistory((h) => (h.probes = { a: 1 })),
      /^history\.json probes: expected an array; got \{"a":1\}$/,
    ],
    [
      'pairs that are not a list',
      editHistory((h) => (probe0(h).pairs = 3)),
      /^history\.json probes\[0\]\.pairs: expected an array; got 3$/,
    ],
    [
      'a frame λ that is text',
      editHistory((h) => (frame0(h).lamEff = ['half'])),
      /^history\.json frames\[0\]\.lamEff\[0\]: expected a number; got "half"$/,
    ],
    [
      'a frame of unknown probe pairs',
      editHistory((h) => (frame0(h).pairKey = '7-8')),
      /^history\.json frames\[0\]\.pairKey: expected the pairKey of one of the probes; got "7-8"$/,
    ],
    [
      'a label of 255',
      editHistory((h) => ((probe0(h).pairs as Array<Record<string, unknown>>)[0].labelB = 255)),
      /pairs\[0\]\.labelB: expected a whole number from 0 to 99; got 255/,
    ],
    [
      'an evaluation written in hex',
      withEdit('evals.csv', (t) => t.replace('0.3,', '0x10,')),
      /^evals\.csv line 2 column testAccQ: expected a number; got "0x10"$/,
    ],
    [
      'an accuracy of 16',
      withEdit('evals.csv', (t) => t.replace('0.3,', '16,')),
      /^evals\.csv line 2 column testAccQ: expected a number from 0 to 1 \(or NaN\); got 16$/,
    ],
    [
      'a NaN step',
      withEdit('evals.csv', (t) => t.replace('\n2,', '\nNaN,')),
      /^evals\.csv line 2 column step: expected a whole number from 1 to \d+; got NaN$/,
    ],
    [
      'metrics steps out of order',
      withEdit('metrics.json', (t) => t.replace('"step":2', '"step":1')),
      /^metrics\.json entry 1 field step: expected steps in increasing order \(after 1\); got 1$/,
    ],
    [
      'a metrics entry that is not an object',
      withEdit('metrics.json', () => '[null]'),
      /^metrics\.json entry 0: expected an object; got null$/,
    ],
  ])('refuses %s, naming the file and the field', (_what, zip, message) => {
    expect(() => readRunBundle(zip)).toThrow(message);
  });

  it('parses numbers strictly: decimal text and the writer’s non-finite markers only', () => {
    expect(bundleNumber('0.25', 'x')).toBe(0.25);
    expect(bundleNumber('1e-3', 'x')).toBe(0.001);
    expect(bundleNumber('NaN', 'x')).toBeNaN();
    expect(bundleNumber(-Infinity, 'x')).toBe(-Infinity);
    for (const bad of ['0x1', '0b1', ' ', '', '1,5', 'Infinityx', null, true, {}])
      expect(() => bundleNumber(bad, 'f.csv line 2')).toThrow(/^f\.csv line 2: expected a number; got /);
  });

  it('accepts NaN for terms a run did not compute, and the object-kept score up to 2', () => {
    expect(checkEvals([{ step: 1, testAccQ: NaN, testAccK: 0.5, objectKept: 2 }])).toHaveLength(1);
    expect(() => checkEvals([{ step: 1, testAccQ: 0.5, testAccK: 0.5, objectKept: 2.5 }])).toThrow(
      /column objectKept: expected a number from 0 to 2/,
    );
    expect(() => checkHistoryJson({ version: 2, probes: [], frames: [] })).toThrow(
      /^history\.json version: expected 1/,
    );
  });
});
