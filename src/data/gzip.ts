/**
 * Transparent gzip: `.gz` inputs (IDX, the CIFAR-10 `.tar.gz`) are recognised by their magic bytes
 * (1f 8b) and inflated with the platform's `DecompressionStream('gzip')` (browsers and Node ≥ 18),
 * falling back to fflate's streaming decoder. Either way the output is counted as it arrives and
 * the inflation stops past `LIMITS.decompressedBytes` (a gzip bomb is refused, naming the file and
 * the limit, before it fills memory). Anything else passes through untouched. Pure TypeScript.
 */

import { crc32 } from '../lib/crc32';
import { inflateCapped } from './inflate';
import { inflatedTooLarge, LIMITS } from './limits';
import { DataError } from './types';

/** Whether `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

class TooLarge extends Error {}

async function inflateWithStream(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  // Copy into a fresh ArrayBuffer so SharedArrayBuffer-backed or offset views are accepted.
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip'));
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(value);
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
 * truncated stream, or one that inflates past `maxBytes`, rejects with a {@link DataError} naming
 * `file`.
 */
export async function maybeGunzip(
  bytes: Uint8Array,
  file: string,
  maxBytes: number = LIMITS.decompressedBytes,
): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (bytes.length < 18)
    throw new DataError(
      file,
      `corrupt gzip data: ${bytes.length} bytes is shorter than a gzip header and trailer`,
    );
  if (typeof DecompressionStream !== 'undefined' && typeof Blob !== 'undefined') {
    try {
      return await inflateWithStream(bytes, maxBytes);
    } catch (err) {
      if (err instanceof TooLarge) throw new DataError(file, inflatedTooLarge(maxBytes));
      throw new DataError(file, `corrupt gzip data (${describe(err)})`);
    }
  }
  return gunzipChecked(bytes, file, maxBytes);
}

/**
 * Synchronous gunzip with fflate's streaming decoder (stopping past `maxBytes`), plus the CRC-32 /
 * length check of the gzip trailer that fflate skips (single-member streams). Corrupt input throws
 * a {@link DataError} naming `file`.
 */
export function gunzipChecked(
  bytes: Uint8Array,
  file: string,
  maxBytes: number = LIMITS.decompressedBytes,
): Uint8Array {
  const out = inflateCapped(bytes, 'gzip', maxBytes, file);
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
