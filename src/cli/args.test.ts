import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BOOLEAN_CONFIG_KEYS,
  configFromSettings,
  flagTable,
  HelpRequest,
  helpText,
  kebab,
  oneOf,
  parseArgv,
  positive,
  readConfigFile,
  UsageError,
} from './args';

const table = flagTable(['steps', 'mixerLrMin', 'cleanCE', 'augment', 'out']);

describe('parseArgv', () => {
  it('maps kebab flags to camelCase keys, with spaces or =', () => {
    expect(kebab('mixerLrMin')).toBe('mixer-lr-min');
    expect(kebab('cleanCE')).toBe('clean-ce');
    expect(parseArgv(['--steps', '5', '--mixer-lr-min=0.01', '--out', 'a=b.json'], table)).toEqual({
      steps: '5',
      mixerLrMin: '0.01',
      out: 'a=b.json',
    });
  });
  it('accepts bare boolean flags where allowed', () => {
    const opts = { bare: BOOLEAN_CONFIG_KEYS };
    expect(parseArgv(['--clean-ce', '--steps', '3', '--augment'], table, opts)).toEqual({
      cleanCE: 'true',
      steps: '3',
      augment: 'true',
    });
    expect(parseArgv(['--clean-ce', 'false'], table, opts)).toEqual({ cleanCE: 'false' });
    expect(() => parseArgv(['--clean-ce'], table)).toThrow('--clean-ce needs a value');
  });
  it('throws one-line usage errors', () => {
    expect(() => parseArgv(['--stepz', '3'], table)).toThrow(/^unknown flag "--stepz"; allowed: --steps /);
    expect(() => parseArgv(['3'], table)).toThrow(/^unexpected argument "3"/);
    expect(() => parseArgv(['--steps'], table)).toThrow('--steps needs a value');
    expect(() => parseArgv(['--steps', '--out', 'x'], table)).toThrow('--steps needs a value');
    expect(() =>
      parseArgv(['--method', 'erm'], table, { hints: new Map([['--method', 'use --methods']]) }),
    ).toThrow(/^use --methods$/);
    expect(() => parseArgv(['--x'], table)).toThrow(UsageError);
  });
});

describe('value helpers', () => {
  it('checks positives and enumerations, naming the flag', () => {
    expect(positive('--epochs', '1.5', false)).toBe(1.5);
    expect(() => positive('--epochs', '0', false)).toThrow('--epochs must be a positive number; got "0"');
    expect(() => positive('--n', '1.5', true)).toThrow('--n must be a positive integer; got "1.5"');
    expect(() => positive('--n', '', true)).toThrow(UsageError);
    expect(oneOf('--backend', 'cpu', ['wasm', 'cpu'])).toBe('cpu');
    expect(() => oneOf('--backend', 'gpu', ['wasm', 'cpu'])).toThrow(
      '--backend must be one of wasm, cpu; got "gpu"',
    );
  });
  it('validates RunConfig settings with messages naming the flag', () => {
    expect(configFromSettings({ steps: '7', cleanCE: 'true' })).toMatchObject({ steps: 7, cleanCE: true });
    expect(() => configFromSettings({ mixerLrMin: '-1' })).toThrow(
      /^--mixer-lr-min must be a number in \[0, 10\]/,
    );
    expect(() => configFromSettings({ evalEvery: '0' })).toThrow(/^--eval-every must be an integer/);
  });
  it('reads a JSON object of settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'args-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, '{"steps": 4}');
    expect(readConfigFile(good)).toEqual({ steps: 4 });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1]');
    expect(() => readConfigFile(bad)).toThrow(/expected a JSON object/);
    expect(() => readConfigFile(join(dir, 'missing.json'))).toThrow(/^--config .*missing\.json: /);
  });
});

describe('bad input at the command line (one parser, strict values, own keys only)', () => {
  it('--help asks for the help text, which lists the own options and the run settings', () => {
    const t = flagTable(['steps', 'out']);
    const help = helpText('usage: x', [['--out FILE', 'where']], t);
    expect(() => parseArgv(['--steps', '2', '--help'], t, { help })).toThrow(HelpRequest);
    expect(help).toContain('--out FILE  where');
    expect(help).toContain('--steps');
  });
  it('reads numbers in decimal only: 0x1, Infinity and 1_000 are refused, naming the flag', () => {
    expect(() => configFromSettings({ lr: '0x1' })).toThrow(/^--lr must be a number in .*got "0x1"/);
    expect(() => configFromSettings({ steps: 'Infinity' })).toThrow(/^--steps must be/);
    expect(() => configFromSettings({ steps: '1_000' })).toThrow(/^--steps must be/);
    expect(configFromSettings({ lr: '1e-2', steps: ' 30 ' })).toMatchObject({ lr: 0.01, steps: 30 });
    expect(() => positive('--epochs', '0x1', false)).toThrow(/--epochs must be a positive number; got "0x1"/);
  });
  it('refuses prototype keys in a --config file and settings that are not own fields', () => {
    const dir = mkdtempSync(join(tmpdir(), 'args-proto-'));
    const proto = join(dir, 'proto.json');
    writeFileSync(proto, '{"__proto__": {"scenario": "ssl"}, "steps": 3}');
    expect(() => readConfigFile(proto)).toThrow(/proto\.json: setting "__proto__" is not allowed/);
    for (const key of ['toString', 'valueOf', 'hasOwnProperty', 'constructor']) {
      expect(() => configFromSettings({ [key]: 'true' }), key).toThrow(
        /not (a configuration field|allowed)|unknown setting/,
      );
    }
    expect(configFromSettings({ steps: 3 }).scenario).toBe('sl');
  });
});
