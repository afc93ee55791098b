import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args';
import { checkOutputPath, PendingFile, writeFileAtomic } from './outputs';

describe('output files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outputs-'));

  it('checks a path before any work: missing folder, a folder given for a file, a file given for a folder', () => {
    expect(() => checkOutputPath('--out', join(dir, 'nope', 'run.jsonl'), 'file')).toThrow(
      /--out .*folder .* does not exist/,
    );
    expect(() => checkOutputPath('--out', dir, 'file')).toThrow(/--out .*: is a folder/);
    const f = join(dir, 'a.txt');
    writeFileSync(f, 'x');
    expect(() => checkOutputPath('--save-weights', f, 'dir')).toThrow(/--save-weights .*: is a file/);
    expect(() => checkOutputPath('--out', 'a\nb', 'file')).toThrow(UsageError);
    expect(() => checkOutputPath('--out', join(dir, 'ok.jsonl'), 'file')).not.toThrow();
    expect(() => checkOutputPath('--save-weights', join(dir, 'new', 'deeper'), 'dir')).not.toThrow();
  });

  it('refuses a folder it cannot write into', () => {
    if (process.getuid?.() === 0) return; // root writes everywhere
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    expect(() => checkOutputPath('--out', join(ro, 'x.json'), 'file')).toThrow(/not writable/);
  });

  it('replaces a file only when the new one is complete; an abandoned run leaves the old one', () => {
    const precious = join(dir, 'precious.jsonl');
    writeFileSync(precious, 'old results\n');
    const pending = new PendingFile(precious);
    writeFileSync(pending.tmp, 'half a run\n');
    pending.abandon();
    expect(readFileSync(precious, 'utf8')).toBe('old results\n');
    expect(existsSync(pending.tmp)).toBe(false);
    const done = new PendingFile(precious);
    writeFileSync(done.tmp, 'new results\n');
    done.commit();
    expect(readFileSync(precious, 'utf8')).toBe('new results\n');
    writeFileAtomic(precious, 'atomic\n');
    expect(readFileSync(precious, 'utf8')).toBe('atomic\n');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
