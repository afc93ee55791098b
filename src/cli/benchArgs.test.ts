import { describe, expect, it } from 'vitest';
import { HelpRequest, UsageError } from './args';
import { readBenchArgs } from './benchArgs';
import { readSoakArgs } from './benchSoak';

describe('bench flags (the shared parser)', () => {
  it('reads --flag value, --flag=value and a bare --json, with the defaults elsewhere', () => {
    const a = readBenchArgs(['--part=node', '--methods', 'erm,samix', '--batch', '32', '--json']);
    expect(a).toMatchObject({ part: 'node', methods: ['erm', 'samix'], batch: 32, width: 16, json: true });
    expect(readBenchArgs(['--leak-steps', '0']).leakSteps).toBe(0);
  });

  it('refuses unknown flags, hex numbers and unknown methods, naming the flag', () => {
    expect(() => readBenchArgs(['--bogus'])).toThrow(UsageError);
    expect(() => readBenchArgs(['--batch', '0x10'])).toThrow(
      /--batch must be a positive integer; got "0x10"/,
    );
    expect(() => readBenchArgs(['--methods', 'erm,nope'])).toThrow(/--methods must be one of .*got "nope"/);
    expect(() => readBenchArgs(['--gpu-graph-batch', '-1'])).toThrow(
      /--gpu-graph-batch must be an integer ≥ 0/,
    );
  });

  it('answers --help with the options, for the bench and its soak part', () => {
    expect(() => readBenchArgs(['--help'])).toThrow(HelpRequest);
    expect(() => readSoakArgs(['--part', 'soak', '--help'])).toThrow(HelpRequest);
    expect(() => readSoakArgs(['--part', 'soak', '--help'])).toThrow(/--minutes N +how long to train/);
    expect(readSoakArgs(['--part', 'soak', '--minutes=2', '--skip-build'])).toMatchObject({
      minutes: 2,
      skipBuild: true,
      backend: 'wasm',
    });
    expect(() => readSoakArgs(['--hash', 'steps=3'])).toThrow(/--hash must start with "#"/);
  });
});
