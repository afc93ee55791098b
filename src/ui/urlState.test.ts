import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../core/config';
import { backendToSearch, configToHash, parseUrlState } from './urlState';

describe('URL state', () => {
  it('round-trips a whole configuration through the hash', () => {
    const cfg = {
      ...DEFAULT_CONFIG,
      method: 'cutmix' as const,
      eta: 1.5,
      seed: 42,
      cleanCE: true,
      etaMode: 'rest' as const,
    };
    const hash = configToHash(cfg, ['masks']);
    const back = parseUrlState('', hash);
    expect(back.config).toEqual(cfg);
    expect([...back.hidden]).toEqual(['masks']);
    expect(back.notes).toEqual([]);
  });

  it('writes only the fields that differ from the defaults', () => {
    expect(configToHash(DEFAULT_CONFIG)).toBe('');
    expect(configToHash({ ...DEFAULT_CONFIG, batch: 16 })).toBe('#batch=16');
  });

  it('clamps out-of-range numbers with a note naming field, range and value', () => {
    const s = parseUrlState('', '#batch=5000&eta=-3');
    expect(s.config.batch).toBe(1024);
    expect(s.config.eta).toBe(0);
    expect(s.notes).toContain('batch must be an integer in [2, 1024]; got "5000"; clamped to 1024.');
    expect(s.notes).toContain('eta must be a number in [0, 10]; got "-3"; clamped to 0.');
  });

  it('keeps the default for values that are not numbers or not allowed', () => {
    const s = parseUrlState('', '#method=magic&lr=fast&color=red');
    expect(s.config.method).toBe(DEFAULT_CONFIG.method);
    expect(s.config.lr).toBe(DEFAULT_CONFIG.lr);
    expect(s.notes[0]).toMatch(
      /^method must be one of erm, mixup, .*; got "magic"; kept the default "samix"\.$/,
    );
    expect(s.notes[1]).toBe('lr must be a number in [0.000001, 10]; got "fast"; kept the default 0.1.');
    expect(s.notes[2]).toBe('Ignored unknown URL setting "color".');
  });

  it('reads a forced backend and rejects unknown ones with the allowed list', () => {
    expect(parseUrlState('?backend=wasm', '').backend).toBe('wasm');
    expect(parseUrlState('?backend=auto', '').backend).toBeNull();
    const bad = parseUrlState('?backend=tpu', '');
    expect(bad.backend).toBeNull();
    expect(bad.notes).toEqual([
      'Unknown backend "tpu" in ?backend=; allowed: webgpu, webgl, wasm, cpu, auto. Using automatic selection.',
    ]);
  });
});

describe('backendToSearch', () => {
  it('writes the forced backend and keeps ?debug', () => {
    expect(backendToSearch(null)).toBe('');
    expect(backendToSearch('wasm')).toBe('?backend=wasm');
    expect(backendToSearch(null, true)).toBe('?debug');
    expect(backendToSearch('webgpu', true)).toBe('?backend=webgpu&debug');
    expect(parseUrlState('?backend=webgpu&debug', '').backend).toBe('webgpu');
    expect(parseUrlState('?backend=webgpu&debug', '').notes).toEqual([]);
  });
});
