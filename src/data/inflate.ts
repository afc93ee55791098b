/**
 * Inflation with a ceiling: zlib (PNG image data) or gzip streams decompressed piece by piece with
 * fflate's streaming decoders, stopping as soon as the output passes `maxBytes`, so a few kilobytes
 * that claim a gigabyte never allocate it. Pure TypeScript (fflate).
 */
import { Gunzip, Unzlib } from 'fflate';
import { inflatedTooLarge } from './limits';
import { DataError } from './types';

/** Input is fed in pieces of this size, so the ceiling is checked often. */
const PIECE = 1 << 16;

class TooLarge extends Error {}

/**
 * Inflates `data` (`zlib` or `gzip` format). Output past `maxBytes` throws a DataError naming
 * `file` and the limit; corrupt data throws a DataError with fflate's reason.
 */
export function inflateCapped(
  data: Uint8Array,
  format: 'zlib' | 'gzip',
  maxBytes: number,
  file: string,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const onData = (chunk: Uint8Array): void => {
    total += chunk.length;
    if (total > maxBytes) throw new TooLarge();
    parts.push(chunk);
  };
  const stream = format === 'zlib' ? new Unzlib(onData) : new Gunzip(onData);
  try {
    if (data.length === 0) stream.push(data, true);
    for (let at = 0; at < data.length; at += PIECE) {
      const end = Math.min(data.length, at + PIECE);
      stream.push(data.subarray(at, end), end === data.length);
    }
  } catch (e) {
    if (e instanceof TooLarge) throw new DataError(file, inflatedTooLarge(maxBytes));
    throw new DataError(file, `corrupt ${format} data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
