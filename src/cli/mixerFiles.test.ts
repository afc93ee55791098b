import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import { expectedMixerSpecs, readMixerBundle } from '../core/weights/mixerManifest';
import { totalBytes } from '../core/weights/weightSpecs';
import { UsageError } from './args';
import { readMixerBundlePath, writeMixerBundlePath } from './mixerFiles';
import { checkExportFlags } from './runExportsCli';

const dir = mkdtempSync(join(tmpdir(), 'mixer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bundle() {
  const arch = { channels: 1, width: 2, mixerStage: 2, mixerVariant: 'automix' as const };
  const weightSpecs = expectedMixerSpecs(arch);
  const weights = Uint8Array.from({ length: totalBytes(weightSpecs) }, (_, i) => i % 251);
  return readMixerBundle(
    {
      format: 'samix-mixer',
      version: 1,
      inputShape: [28, 28, 1],
      ...arch,
      lamMulK: -1,
      sourceDataset: 'mnist',
      steps: 3,
      seed: 9,
      normalization: { mean: [0.13], std: [0.31] },
      scenario: 'sl',
      weightSpecs,
      createdAt: '2026-11-28T00:00:00.000Z',
    },
    weights,
  );
}

describe('Mixer bundles on disk (--mixer / --save-mixer)', () => {
  it.each(['as-folder', 'as-file.zip'])('writes and reads back a bundle %s unchanged', (name) => {
    const b = bundle();
    writeMixerBundlePath(join(dir, name), b);
    const back = readMixerBundlePath(join(dir, name));
    expect(back.manifest).toEqual(b.manifest);
    expect(Array.from(back.weights)).toEqual(Array.from(b.weights));
  });

  it('names the path and the problem (exit code 2) for missing or bad bundles', () => {
    expect(() => readMixerBundlePath(join(dir, 'nope'))).toThrow(UsageError);
    expect(() => readMixerBundlePath(join(dir, 'nope'))).toThrow(/--mixer .*nope: no such file or folder/);
    const half = join(dir, 'half');
    writeMixerBundlePath(half, bundle());
    rmSync(join(half, 'weights.bin'));
    expect(() => readMixerBundlePath(half)).toThrow(/half: weights\.bin is missing from the folder/);
    writeFileSync(join(half, 'weights.bin'), new Uint8Array(12));
    expect(() => readMixerBundlePath(half)).toThrow(
      /--mixer .*half: mixer bundle: weights\.bin is too short: 12 bytes/,
    );
    const junk = join(dir, 'junk.zip');
    writeFileSync(junk, 'not a zip');
    expect(() => readMixerBundlePath(junk)).toThrow(/junk\.zip is not a Mixer bundle/);
  });

  it('checks the flags against the method before anything runs', () => {
    const cfg = { ...DEFAULT_CONFIG };
    expect(() => checkExportFlags({ ...cfg, method: 'samixp' }, {})).toThrow(
      /--method samixp needs --mixer PATH/,
    );
    expect(() => checkExportFlags({ ...cfg, method: 'erm', mixerBundle: 'x' }, {})).toThrow(
      /--mixer is only used by --method samixp/,
    );
    expect(() => checkExportFlags({ ...cfg, method: 'mixup' }, { saveMixer: 'out' })).toThrow(
      /--save-mixer needs a run that trains a Mixer \(--method automix or samix\); got --method mixup/,
    );
    expect(() => checkExportFlags({ ...cfg, method: 'samix' }, { saveMixer: 'out.zip' })).not.toThrow();
  });
});
