import { describe, expect, it } from 'vitest';
import { scenarioPatch } from '../components/RunControls';
import { DEFAULT_CONFIG, SSL_DEFAULTS, scenarioDefaults } from '../core/config';
import { configToHash, parseUrlState } from './urlState';

describe('SSL scenario in the URL and the controls', () => {
  it('#scenario=ssl gives the SSL defaults; the hash round-trips and stays minimal', () => {
    const { config, notes } = parseUrlState('', '#scenario=ssl&method=samix&batch=8&queueSize=64');
    expect(notes).toEqual([]);
    expect(config).toEqual({ ...scenarioDefaults('ssl'), batch: 8, queueSize: 64 });
    expect(config.lr).toBe(SSL_DEFAULTS.lr);
    const hash = configToHash(config);
    expect(hash).toBe('#batch=8&scenario=ssl&queueSize=64');
    expect(parseUrlState('', hash).config).toEqual(config);
    // an explicit SL-valued lr under SSL is kept and written back
    const lr = parseUrlState('', '#scenario=ssl&lr=0.1').config;
    expect(lr.lr).toBe(0.1);
    expect(configToHash(lr)).toContain('lr=0.1');
    expect(configToHash(DEFAULT_CONFIG)).toBe('');
  });

  it('a queue size that is not a multiple of the batch names the nearest valid sizes', () => {
    const { config, notes } = parseUrlState('', '#scenario=ssl&batch=8&queueSize=100');
    expect(notes).toEqual([
      'queueSize 100 must be a multiple of batch 8: use 96 or 104; kept the default 4096.',
    ]);
    expect(config.queueSize).toBe(4096);
  });

  it('switching the scenario swaps fields still at the old defaults and picks an SSL method', () => {
    const sl = { ...DEFAULT_CONFIG, method: 'puzzlemix' as const, lr: 0.05 };
    const patch = scenarioPatch(sl, 'ssl');
    // lr was the user's
    expect(patch).toEqual({ scenario: 'ssl', mixerOptimizer: 'sgd', method: 'samix' });
    const ssl = { ...scenarioDefaults('ssl'), method: 'erm' as const };
    expect(scenarioPatch(ssl, 'sl')).toEqual({ scenario: 'sl', lr: 0.1, mixerOptimizer: 'adam' });
  });
});
