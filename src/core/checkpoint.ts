/**
 * Checkpoints: a trainer's full training state as one byte array, and back.
 *
 * Layout (little-endian, every section 4-byte aligned):
 *   "SMXC" | u32 header length H | u32 CRC-32 of the header | header JSON (H bytes, space-padded)
 *   | binary: data order (int32 × orderLength), then each tensor (float32 × length) in header order.
 * The header names the format and version, holds the configuration, step, epoch, generator and
 * data-stream state, the tensor specs and a CRC-32 of the binary part, so any flipped byte is
 * rejected with a message naming the part that is damaged. Pure TypeScript (no TF.js): the page
 * may import it; `Trainer.snapshot()/restore()` convert tensors.
 */
import { crc32 } from '../lib/crc32';
import { parseConfig, type RunConfig } from './config';

export const CHECKPOINT_FORMAT = 'samix-checkpoint';
export const CHECKPOINT_VERSION = 1;
const MAGIC = [0x53, 0x4d, 0x58, 0x43]; // "SMXC"
const PREFIX = 12;

/** Everything `Trainer.restore` needs to continue a run exactly where it was. */
export interface CheckpointData {
  /** The configuration in use when the checkpoint was taken (live edits included). */
  config: RunConfig;
  /** Steps taken. */
  step: number;
  /** Fractional epoch at `step`. */
  epoch: number;
  /** State of the run generator (random.ts). */
  rng: RngJson;
  /** State of the data generator (batch order and augmentation draws). */
  dataRng: RngJson;
  /** Position in the training-data stream (residentData.ts). */
  data: { order: Int32Array; cursor: number; samplesSeen: number };
  /** Flat parameters, BN statistics and optimiser slots, by name (e.g. `q.params`, `optQ.slot`). */
  tensors: Array<{ name: string; values: Float32Array }>;
}

/** A generator state (random.ts `getState()`). */
export interface RngJson {
  words: [number, number, number, number];
  spare: number | null;
}

interface Header {
  format: string;
  version: number;
  config: RunConfig;
  step: number;
  epoch: number;
  rng: RngJson;
  dataRng: RngJson;
  data: { cursor: number; samplesSeen: number; orderLength: number };
  tensors: Array<{ name: string; length: number }>;
  binaryBytes: number;
  checksum: number;
}

/** A checkpoint that cannot be read: the message says which part is wrong. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** Serialises a checkpoint (copies every array once). */
export function encodeCheckpoint(c: CheckpointData): Uint8Array {
  const orderBytes = c.data.order.length * 4;
  const binaryBytes = orderBytes + c.tensors.reduce((a, t) => a + t.values.length * 4, 0);
  const binary = new Uint8Array(binaryBytes);
  binary.set(new Uint8Array(c.data.order.buffer, c.data.order.byteOffset, orderBytes), 0);
  let off = orderBytes;
  for (const t of c.tensors) {
    binary.set(new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.length * 4), off);
    off += t.values.length * 4;
  }
  const header: Header = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: c.config,
    step: c.step,
    epoch: c.epoch,
    rng: { words: [...c.rng.words], spare: c.rng.spare },
    dataRng: { words: [...c.dataRng.words], spare: c.dataRng.spare },
    data: { cursor: c.data.cursor, samplesSeen: c.data.samplesSeen, orderLength: c.data.order.length },
    tensors: c.tensors.map((t) => ({ name: t.name, length: t.values.length })),
    binaryBytes,
    checksum: crc32(binary),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = pad4(json.length);
  const out = new Uint8Array(PREFIX + headerLen + binaryBytes);
  out.set(MAGIC, 0);
  out.fill(0x20, PREFIX, PREFIX + headerLen);
  out.set(json, PREFIX);
  const view = new DataView(out.buffer);
  view.setUint32(4, headerLen, true);
  view.setUint32(8, crc32(out, PREFIX, PREFIX + headerLen), true);
  out.set(binary, PREFIX + headerLen);
  return out;
}

/** Copies `count` 4-byte elements at `offset` of `bytes` into a fresh aligned buffer. */
function copy4(bytes: Uint8Array, offset: number, count: number): ArrayBuffer {
  return bytes.slice(offset, offset + count * 4).buffer;
}

function fail(what: string): never {
  throw new CheckpointError(`the checkpoint is damaged or not a checkpoint: ${what}`);
}

function rngOf(r: RngJson | undefined, name: string): RngJson {
  if (!r || !Array.isArray(r.words) || r.words.length !== 4 || !r.words.every(Number.isInteger))
    fail(`generator state "${name}" is missing or malformed`);
  return { words: [r.words[0], r.words[1], r.words[2], r.words[3]], spare: r.spare ?? null };
}

/** Reads a checkpoint back, verifying the magic, both checksums, the version and every length. */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointData {
  if (bytes.length < PREFIX || MAGIC.some((m, i) => bytes[i] !== m))
    fail(`it does not start with "SMXC" (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getUint32(4, true);
  if (PREFIX + headerLen > bytes.length) fail(`header length ${headerLen} exceeds the ${bytes.length} bytes`);
  if (crc32(bytes, PREFIX, PREFIX + headerLen) !== view.getUint32(8, true))
    fail('the header checksum does not match (a byte of the header changed)');
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerLen))) as Header;
  } catch (e) {
    fail(`the header is not JSON (${String(e)})`);
  }
  if (h.format !== CHECKPOINT_FORMAT)
    fail(`format is "${String(h.format)}", expected "${CHECKPOINT_FORMAT}"`);
  if (h.version !== CHECKPOINT_VERSION)
    throw new CheckpointError(
      `checkpoint version ${h.version} is not supported (this app reads version ${CHECKPOINT_VERSION}); start a new run`,
    );
  const start = PREFIX + headerLen;
  if (bytes.length - start !== h.binaryBytes)
    fail(`binary part is ${bytes.length - start} bytes, the header says ${h.binaryBytes}`);
  if (crc32(bytes, start) !== h.checksum)
    fail('the weights checksum does not match (a byte of the tensors changed)');
  let config: RunConfig;
  try {
    config = parseConfig({ ...h.config });
  } catch (e) {
    throw new CheckpointError(`the checkpoint's configuration is invalid: ${(e as Error).message}`);
  }
  const orderLength = h.data.orderLength;
  let off = start + orderLength * 4;
  const tensors = h.tensors.map((t) => {
    const values = new Float32Array(copy4(bytes, off, t.length));
    off += t.length * 4;
    return { name: t.name, values };
  });
  if (off !== bytes.length) fail(`tensor lengths add up to ${off - start} bytes, not ${h.binaryBytes}`);
  return {
    config,
    step: h.step,
    epoch: h.epoch,
    rng: rngOf(h.rng, 'rng'),
    dataRng: rngOf(h.dataRng, 'dataRng'),
    data: {
      order: new Int32Array(copy4(bytes, start, orderLength)),
      cursor: h.data.cursor,
      samplesSeen: h.data.samplesSeen,
    },
    tensors,
  };
}

/** The first tensor holding a NaN or ±Infinity, as "`name`[index] = value", or null. */
export function findNonFinite(c: CheckpointData): string | null {
  for (const t of c.tensors) {
    const v = t.values;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return `${t.name}[${i}] = ${v[i]}`;
  }
  return null;
}
