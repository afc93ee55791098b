/**
 * What a drop onto the Datasets panel means: folders are walked (one sub-folder per class), and the
 * files are routed by name — a single zip, CIFAR-10 binaries or their archive, IDX files, or images.
 */
import type { UserDataSource } from '../worker/userData';

export interface DroppedFile {
  path: string;
  file: File;
}

/** Routes dropped files to an import source by their names; null when nothing usable was dropped. */
export function classifyDrop(files: DroppedFile[]): UserDataSource | null {
  if (files.length === 0) return null;
  const names = files.map((f) => f.path.split('/').pop()!.toLowerCase());
  if (files.length === 1 && names[0].endsWith('.zip')) return { kind: 'zip', file: files[0].file };
  if (
    names.some((n) => /^(data_batch_\d+|test_batch)\.bin$/.test(n) || /cifar.*\.(tar\.gz|tgz|tar)$/.test(n))
  ) {
    return { kind: 'cifar10', files: files.map((f) => f.file) };
  }
  if (names.some((n) => /idx\d-ubyte/.test(n))) return { kind: 'idx', files: files.map((f) => f.file) };
  return { kind: 'images', files: files.map((f) => ({ path: f.path, file: f.file })) };
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call; read until it returns none.
  for (;;) {
    const batch = await readEntries(reader);
    if (batch.length === 0) break;
    for (const e of batch) await walk(e, out);
  }
}

export async function sourceFromDrop(dt: DataTransfer): Promise<UserDataSource | null> {
  const entries = Array.from(dt.items)
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  const files: DroppedFile[] = [];
  if (entries.length > 0) for (const e of entries) await walk(e, files);
  else for (const f of Array.from(dt.files)) files.push({ path: f.name, file: f });
  return classifyDrop(files);
}
