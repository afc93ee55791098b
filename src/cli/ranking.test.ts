import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { RANKING_BASE, resolveRankingSettings, runRanking } from './ranking';

describe('ranking command: settings', () => {
  it('defaults to the six methods × 3 seeds on shapes and Fashion-MNIST at 2,000 steps, batch 32, width 8', () => {
    const { base, cli } = resolveRankingSettings([]);
    expect(cli.methods).toEqual(['erm', 'mixup', 'cutmix', 'puzzlemix', 'automix', 'samix']);
    expect(cli.datasets).toEqual(['shapes', 'fashion-mnist']);
    expect([cli.seeds, cli.jobs, cli.controls]).toEqual([3, 2, true]);
    expect(resolveRankingSettings(['--controls', 'false']).cli.controls).toBe(false);
    expect({ steps: base.steps, batch: base.batch, width: base.width }).toEqual(RANKING_BASE);
  });

  it('takes run settings as flags and refuses what it cannot rank, naming the flag', () => {
    const { base, cli } = resolveRankingSettings([
      '--steps=40',
      '--eta',
      '1',
      '--datasets',
      'mnist',
      '--seeds',
      '2',
    ]);
    expect([base.steps, base.eta, cli.datasets, cli.seeds]).toEqual([40, 1, ['mnist'], 2]);
    expect(() => resolveRankingSettings(['--datasets', 'cifar10'])).toThrow(
      /--datasets must be among shapes, mnist, fashion-mnist/,
    );
    expect(() => resolveRankingSettings(['--method', 'samix'])).toThrow(/use --methods/);
    expect(() => resolveRankingSettings(['--methods', 'samix,nope'])).toThrow(UsageError);
    expect(() => resolveRankingSettings(['--jobs', '0'])).toThrow(/--jobs must be a positive integer/);
    expect(() => resolveRankingSettings(['--batch', '1'])).toThrow(/--batch/);
  });
});

describe('ranking command on a tiny budget', () => {
  it('runs every method × seed on two processes and reports the table, scores and targets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ranking-'));
    const out = join(dir, 'r.json');
    const lines: string[] = [];
    const { code, markdown } = await runRanking(
      [
        ...[
          '--steps',
          '3',
          '--seeds',
          '2',
          '--batch',
          '8',
          '--width',
          '4',
          '--test-size',
          '32',
          '--eval-every',
          '3',
        ],
        ...['--datasets', 'shapes', '--methods', 'erm,mixup,cutmix,samix', '--jobs', '2', '--out', out],
      ],
      (l) => lines.push(l),
    );
    expect(code).toBe(0);
    for (const m of ['erm', 'mixup', 'cutmix', 'samix'])
      expect(markdown).toMatch(new RegExp(`\\| ${m} \\| \\d`));
    expect(markdown).toMatch(/\| mixup \|[^\n]*\| 1\.00 ± 0\.00 \|/); // a constant mask scores exactly 1
    expect(markdown).toMatch(
      /- (met|MISSED): SAMix object kept ≥ 1\.15 on every seed: s1 \d\.\d{3}, s2 \d\.\d{3}/,
    );
    expect(markdown).toContain('- n/a: order SAMix ≥ AutoMix'); // AutoMix not in this ranking
    expect(markdown).toMatch(/\| mixup\+CE \| \d/); // the clean-CE controls
    expect(markdown).toMatch(/\| cutmix\+CE \| \d/);
    const saved = JSON.parse(readFileSync(out, 'utf8')) as {
      results: Array<{ steps: number; error: string }>;
    };
    expect(saved.results).toHaveLength(12);
    expect(saved.results.every((r) => r.steps === 3 && r.error === '')).toBe(true);
    expect(lines[0]).toMatch(/^ranking: erm, mixup, cutmix, samix × 2 seed\(s\) on shapes, 3 steps/);
  });
});
