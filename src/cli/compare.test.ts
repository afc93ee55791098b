import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../compare/summary';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function compare(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(TSX, ['src/cli/compare.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run compare', () => {
  it.each([
    [['--methods', 'erm,mixupp'], /^compare: --methods must be among erm, mixup, .*; got "mixupp"\n$/],
    [['--seeds', '0'], /^compare: --seeds must be an integer in \[1, 100\]; got "0"\n$/],
    [['--batch', '1'], /^compare: --batch must be an integer in \[2, 1024\]; got "1"\n$/],
    [['--backend', 'gpu'], /^compare: --backend must be one of wasm, cpu; got "gpu"\n$/],
    [['--method', 'erm'], /^compare: --method is not a compare flag; use --methods/],
    [['--steps', '5', '--epochs', '1'], /^compare: give either --steps or --epochs, not both\n$/],
    [['--bogus', '1'], /^compare: unknown flag "--bogus"; allowed: /],
  ])('exits 2 with one line for %j', (args, message) => {
    const r = compare(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('runs a tiny two-method comparison and prints the Markdown table and the CSV', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-'));
    const out = join(dir, 'results.json');
    const csvPath = join(dir, 'table.csv');
    const r = compare([
      '--methods=erm,mixup',
      '--dataset',
      'shapes',
      '--steps',
      '3',
      '--batch',
      '8',
      '--width',
      '4',
      '--eval-every',
      '2',
      '--test-size',
      '40',
      '--out',
      out,
      '--csv',
      csvPath,
    ]);
    expect(r.stderr).toContain('[2/2 mixup] done');
    expect(r.status).toBe(0);
    const [md, csv] = r.stdout.split('\n\nmethod,');
    expect(md).toMatch(/^Dataset shapes, 3 steps, batch 8, 1 seed; .*: off\./);
    expect(md).toContain(
      '| method | final acc (q) | final acc (k) | best acc | object kept | ms/step | × ERM | examples |',
    );
    // ERM has no mask (—); Mixup's constant mask keeps exactly λ of A and 1 − λ of B (1.00).
    expect(md).toMatch(/\n\| erm \| \d+\.\d\d \| — \| \d+\.\d\d \| — \| \d+\.\d \| 1\.00 \| 24 \|/);
    expect(md).toMatch(
      /\n\| mixup \| \d+\.\d\d \| — \| \d+\.\d\d \| 1\.00 \| \d+\.\d \| \d+\.\d\d \| 24 \|$/,
    );
    const lines = `method,${csv}`.trim().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['erm', 'mixup']);
    expect(readFileSync(csvPath, 'utf8')).toBe(`method,${csv}`);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.results.map((x: { label: string; steps: number }) => [x.label, x.steps])).toEqual([
      ['erm', 3],
      ['mixup', 3],
    ]);
    expect(json.results[0].evals.map((e: { step: number }) => e.step)).toEqual([2, 3]);
    expect(json.results[0].metrics).toHaveLength(3);
  });
});
