/**
 * A minimal tar reader (ustar, plus the GNU long-name and pax `path` extensions that real archives
 * such as `cifar-10-binary.tar.gz` may carry): 512-byte headers, octal sizes, data padded to 512
 * bytes, two zero blocks at the end. Only regular files are returned; directories, links and other
 * entries are skipped. Pure TypeScript.
 */

import { DataError } from './types';

/** One regular file of a tar archive; `data` is a view into the archive bytes. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function readString(h: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && h[end] !== 0) end++;
  return decoder.decode(h.subarray(offset, end));
}

/** Reads a numeric header field: NUL/space-terminated octal, or GNU base-256 if the high bit is set. */
function readNumber(h: Uint8Array, offset: number, length: number, file: string, field: string): number {
  if (h[offset] & 0x80) {
    let v = h[offset] & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + h[offset + i];
    return v;
  }
  const s = readString(h, offset, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s))
    throw new DataError(file, `corrupt tar header: ${field} field "${s}" is not an octal number`);
  return parseInt(s, 8);
}

function isZeroBlock(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Extracts the `path` record of a pax extended header, if any. */
function paxPath(data: Uint8Array): string | null {
  const text = decoder.decode(data);
  for (const line of text.split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return null;
}

/**
 * Lists the regular files of a tar archive. A truncated archive, a bad header checksum or a
 * malformed size field throws a {@link DataError} naming `file`.
 */
export function readTar(bytes: Uint8Array, file = 'archive.tar'): TarEntry[] {
  if (bytes.length === 0) throw new DataError(file, 'empty archive (0 bytes)');
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= bytes.length) {
    if (isZeroBlock(bytes, offset)) return entries;
    const h = bytes.subarray(offset, offset + BLOCK);
    const stored = readNumber(h, 148, 8, file, 'checksum');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
    if (sum !== stored) {
      throw new DataError(
        file,
        `corrupt tar header at byte ${offset.toLocaleString('en-US')}: checksum ${stored} does not match ${sum} — is this a tar archive?`,
      );
    }
    const size = readNumber(h, 124, 12, file, 'size');
    const type = String.fromCharCode(h[156] || 0x30);
    let name = readString(h, 0, 100);
    if (readString(h, 257, 5) === 'ustar') {
      const prefix = readString(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new DataError(
        file,
        `truncated: entry "${longName ?? name}" needs ${size.toLocaleString('en-US')} bytes but only ${Math.max(0, bytes.length - dataStart).toLocaleString('en-US')} remain`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    if (longName !== null) {
      name = longName;
      longName = null;
    }
    if (type === '0' || type === '7') entries.push({ name, data });
  }
  if (offset < bytes.length || entries.length === 0) {
    throw new DataError(
      file,
      `truncated: the archive ends inside a 512-byte header at byte ${offset.toLocaleString('en-US')} (no end-of-archive marker)`,
    );
  }
  // Archives that end exactly at a block boundary without the two zero blocks: accept.
  return entries;
}
