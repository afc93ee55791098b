import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue #6, headless: a Mixer bundle written by `--save-mixer` after a supervised AND after a
 * self-supervised SAMix run on `shapes` (RGB, 32 px) drives a `--method samixp` run on `mnist`
 * (grayscale, 28 px: replicated to RGB and resized by the bundle), the CLI run as a child process.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const root = mkdtempSync(join(tmpdir(), 'samix-transfer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TINY = ['--steps', '2', '--batch', '8', '--width', '4', '--train-size', '64', '--test-size', '32'];

function train(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TSX, ['src/cli/train.ts', ...TINY, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bundle's manifest, read from the .zip `--save-mixer` wrote. */
function manifestOf(zip: string): Record<string, unknown> {
  const files = unzipSync(new Uint8Array(readFileSync(zip)));
  const name = Object.keys(files).find((f) => f.endsWith('.json'));
  if (!name) throw new Error(`no JSON manifest in ${zip}: ${Object.keys(files).join(', ')}`);
  return JSON.parse(strFromU8(files[name])) as Record<string, unknown>;
}

describe('SAMix^P from the command line on another dataset', () => {
  it.each([
    { scenario: 'sl', extra: [] as string[] },
    { scenario: 'ssl', extra: ['--queue-size', '16'] },
  ])('a bundle from a $scenario SAMix run on shapes trains samixp on mnist', ({ scenario, extra }) => {
    const zip = join(root, `${scenario}.mixer.zip`);
    const source = train([
      '--scenario',
      scenario,
      '--method',
      'samix',
      '--dataset',
      'shapes',
      ...extra,
      '--save-mixer',
      zip,
    ]);
    expect(source.stderr).toContain('saved the Mixer bundle to');
    expect(source.status).toBe(0);
    const manifest = manifestOf(zip);
    expect(manifest).toMatchObject({ sourceDataset: 'shapes', channels: 3, scenario });

    const target = train(['--method', 'samixp', '--dataset', 'mnist', '--mixer', zip]);
    expect(target.stderr).toContain('samixp on mnist');
    expect(target.status).toBe(0);
    const lines = target.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step?: number; loss?: Record<string, number> });
    const steps = lines.filter((l) => l.step !== undefined);
    expect(steps.map((l) => l.step)).toEqual([1, 2]);
    for (const l of steps) {
      for (const [name, v] of Object.entries(l.loss ?? {})) expect(Number.isFinite(v), name).toBe(true);
      expect(l.loss?.mixQ).toBeGreaterThan(0); // the classifier learns from the bundle's masks
      expect(l.loss?.mixer).toBe(0); // the Mixer is frozen: no Mixer objective
    }
  });
});
