/**
 * Decompression bombs for the tests of the input budgets (limits.test.ts, memoryBombs.test.ts):
 * small files that inflate to gigabytes. A deflate segment of zeros ending in a full flush is
 * self-contained and byte-aligned, so repeating it gives a valid stream of any length in a few
 * kilobytes per 16 MiB; the gzip and zlib wrappers carry the right checksums. Test-only, Node.
 */
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { crc32 as crc32Bytes } from '../lib/crc32';

const SEGMENT = 16 * 2 ** 20;
let segment: Buffer | null = null;

const flushed = (n: number): Buffer =>
  deflateRawSync(Buffer.alloc(n), { level: 9, finishFlush: constants.Z_FULL_FLUSH });

/** Raw deflate data that inflates to `bytes` zero bytes. */
export function deflateZeros(bytes: number): Uint8Array {
  segment ??= flushed(SEGMENT);
  const parts: Buffer[] = Array.from({ length: Math.floor(bytes / SEGMENT) }, () => segment as Buffer);
  if (bytes % SEGMENT > 0) parts.push(flushed(bytes % SEGMENT));
  // A final, empty block with fixed codes: BFINAL=1, BTYPE=01, end-of-block.
  return Buffer.concat([...parts, Buffer.from([0x03, 0x00])]);
}

/** The CRC-32 of `bytes` zero bytes. */
function crcOfZeros(bytes: number): number {
  const block = Buffer.alloc(Math.min(bytes, SEGMENT));
  let crc = 0;
  for (let left = bytes; left > 0; left -= block.length)
    crc = crc32(left >= block.length ? block : block.subarray(0, left), crc);
  return crc >>> 0;
}

/** A gzip file of `bytes` zero bytes (valid header, CRC-32 and length trailer). */
export function gzipZeros(bytes: number): Uint8Array {
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crcOfZeros(bytes), 0);
  trailer.writeUInt32LE(bytes % 2 ** 32, 4);
  return Buffer.concat([header, deflateZeros(bytes), trailer]);
}

/** A zlib stream of `bytes` zero bytes (valid header and Adler-32). */
export function zlibZeros(bytes: number): Uint8Array {
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((bytes % 65521) << 16) | 1) >>> 0, 0);
  return Buffer.concat([Buffer.from([0x78, 0xda]), deflateZeros(bytes), adler]);
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32Bytes(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG of `width × height` 8-bit RGB pixels whose image data is `zlibData` (checksums valid). */
export function pngWithData(width: number, height: number, zlibData: Uint8Array): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibData),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** A black RGB PNG of `width × height`: rows of filter 0 and zero pixels, all zeros. */
export function blackPng(width: number, height: number): Uint8Array {
  return pngWithData(width, height, zlibZeros(height * (3 * width + 1)));
}

/** A zip archive of files of zero bytes, deflated (valid local headers, central directory, CRCs). */
export function zipZeros(files: ReadonlyArray<{ name: string; bytes: number }>): Uint8Array {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of files) {
    const name = Buffer.from(f.name, 'utf8');
    const data = deflateZeros(f.bytes);
    const crc = crcOfZeros(f.bytes);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(f.bytes, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(f.bytes, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(data));
    central.push(dir, name);
    offset += 30 + name.length + data.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}
