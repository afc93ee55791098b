/**
 * Transparent gzip: `.gz` inputs (IDX, the CIFAR-10 `.tar.gz`) are recognised by their magic bytes
 * (1f 8b) and inflated with the platform's `DecompressionStream('gzip')` (browsers and Node ≥ 18),
 * falling back to fflate's `gunzipSync`. Anything else passes through untouched. Pure TypeScript.
 */

import { gunzipSync } from 'fflate';
import { crc32 } from './crc32';
import { DataError } from './types';

/** Whether `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function inflateWithStream(bytes: Uint8Array): Promise<Uint8Array> {
  // Copy into a fresh ArrayBuffer so SharedArrayBuffer-backed or offset views are accepted.
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Inflates `bytes` if they are gzip-compressed, else returns them unchanged. A corrupt or
 * truncated stream rejects with a {@link DataError} naming `file`.
 */
export async function maybeGunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (bytes.length < 18)
    throw new DataError(
      file,
      `corrupt gzip data: ${bytes.length} bytes is shorter than a gzip header and trailer`,
    );
  if (typeof DecompressionStream !== 'undefined' && typeof Blob !== 'undefined') {
    try {
      return await inflateWithStream(bytes);
    } catch (err) {
      throw new DataError(file, `corrupt gzip data (${describe(err)})`);
    }
  }
  return gunzipChecked(bytes, file);
}

/**
 * Synchronous gunzip with fflate, plus the CRC-32 / length check of the gzip trailer that fflate
 * skips (single-member streams). Corrupt input throws a {@link DataError} naming `file`.
 */
export function gunzipChecked(bytes: Uint8Array, file: string): Uint8Array {
  let out: Uint8Array;
  try {
    out = gunzipSync(bytes);
  } catch (err) {
    throw new DataError(file, `corrupt gzip data (${describe(err)})`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const wantCrc = view.getUint32(bytes.length - 8, true);
  const wantSize = view.getUint32(bytes.length - 4, true);
  if (wantSize === out.length >>> 0 && crc32(out) !== wantCrc) {
    throw new DataError(
      file,
      `corrupt gzip data (CRC-32 0x${crc32(out).toString(16)} does not match the trailer's 0x${wantCrc.toString(16)})`,
    );
  }
  return out;
}
