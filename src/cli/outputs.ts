/**
 * Output files of the headless commands, so that a run never destroys a result: every path is
 * checked before any training starts (its folder exists and is writable, a file path is not a
 * folder, a folder path is not a file), and every file is written under a temporary name next to
 * its destination and renamed onto it only when it is complete. A failed run leaves the previous
 * file untouched and removes its temporary one. Node-only.
 */
import { accessSync, constants, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './args';

/**
 * Checks that `path` can receive the output of `flag` before the command does any work.
 * @param kind `file` (written whole or renamed into place) or `dir` (created if missing)
 * @throws UsageError naming the flag, the path and what is wrong
 */
export function checkOutputPath(flag: string, path: string, kind: 'file' | 'dir'): void {
  if (path.trim() === '') throw new UsageError(`${flag} needs a path`);
  if (/[\0\r\n]/.test(path))
    throw new UsageError(`${flag} ${JSON.stringify(path)}: a path cannot hold control characters`);
  const full = resolve(path);
  if (existsSync(full)) {
    const isDir = statSync(full).isDirectory();
    if (kind === 'file' && isDir) throw new UsageError(`${flag} ${path}: is a folder; give a file name`);
    if (kind === 'dir' && !isDir) throw new UsageError(`${flag} ${path}: is a file; give a folder`);
  }
  // The nearest existing ancestor must be a writable folder (a missing folder of `dir` is created).
  let parent = kind === 'dir' ? full : dirname(full);
  while (!existsSync(parent)) {
    if (kind === 'file') throw new UsageError(`${flag} ${path}: folder ${dirname(full)} does not exist`);
    parent = dirname(parent);
  }
  if (!statSync(parent).isDirectory()) throw new UsageError(`${flag} ${path}: ${parent} is not a folder`);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: folder ${parent} is not writable`);
  }
}

/** The temporary name a file is written under before it is renamed onto `path`. */
export function tempPathFor(path: string): string {
  const full = resolve(path);
  return join(dirname(full), `.${basename(full)}.${process.pid}.tmp`);
}

/** Writes `data` to `path` through a temporary file and a rename (the old file stays until then). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, resolve(path));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * A file written in pieces (a JSON-lines log): lines go to the temporary file; `commit` renames it
 * onto the destination, `abandon` removes it and leaves the destination as it was.
 */
export class PendingFile {
  readonly tmp: string;
  private done = false;
  constructor(readonly path: string) {
    this.tmp = tempPathFor(path);
    writeFileSync(this.tmp, '');
  }

  commit(): void {
    if (this.done) return;
    this.done = true;
    renameSync(this.tmp, resolve(this.path));
  }

  abandon(): void {
    if (this.done) return;
    this.done = true;
    rmSync(this.tmp, { force: true });
  }
}
