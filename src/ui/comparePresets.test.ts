import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import { groupColors } from './colors';
import { COMPARE_PRESETS, parseEtaList, planSelection } from './comparePresets';

describe('compare selection', () => {
  it('runs each learned method once per η value, labelled, and leaves the others alone', () => {
    const e = planSelection(DEFAULT_CONFIG, ['mixup', 'samix'], 1, [0, 0.5, 1]);
    expect(e.map((x) => x.label)).toEqual(['mixup', 'samix η=0', 'samix η=0.5', 'samix η=1']);
    expect(e.map((x) => x.config.eta)).toEqual([DEFAULT_CONFIG.eta, 0, 0.5, 1]);
    expect(planSelection(DEFAULT_CONFIG, ['samix'], 2, [0]).map((x) => x.label)).toEqual([
      'samix η=0 s1',
      'samix η=0 s2',
    ]);
  });

  it('reads η lists and names a bad value', () => {
    expect(parseEtaList(' 0, 0.5,1 ')).toEqual([0, 0.5, 1]);
    expect(parseEtaList('')).toEqual([]);
    expect(() => parseEtaList('0, -1')).toThrow(/got "-1"/);
    expect(() => parseEtaList('0, x')).toThrow(/got "x"/);
  });

  it('the η preset fills in SAMix with three η values and shows the local and global curves', () => {
    const eta = COMPARE_PRESETS.find((p) => p.id === 'eta')!;
    expect([eta.methods, eta.etas]).toEqual([['samix'], [0, 0.5, 1]]);
    expect(eta.curves).toEqual(expect.arrayContaining(['local', 'global']));
  });

  it('gives η variants of one method distinct colours, and each method its own first', () => {
    const c = groupColors([
      { label: 'mixup', method: 'mixup' },
      { label: 'samix η=0', method: 'samix' },
      { label: 'samix η=0.5', method: 'samix' },
      { label: 'samix η=1', method: 'samix' },
    ]);
    expect(new Set(c.values()).size).toBe(4);
    expect(c.get('samix η=0')).toBe('#dc2626');
  });
});
