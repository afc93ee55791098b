import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';

describe('crc32', () => {
  it('gives the standard check values (IEEE 802.3)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('covers exactly the range asked for', () => {
    const bytes = new TextEncoder().encode('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });
});
