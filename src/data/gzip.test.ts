import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { gunzipChecked, isGzip, maybeGunzip } from './gzip';
import { dataErrorOf } from './testFixtures';

const payload = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 31) & 0xff);

describe('maybeGunzip', () => {
  it('inflates gzip data and passes other bytes through', async () => {
    const gz = gzipSync(payload);
    expect(isGzip(gz)).toBe(true);
    expect(Buffer.from(await maybeGunzip(gz, 'a.gz')).equals(Buffer.from(payload))).toBe(true);
    expect(await maybeGunzip(payload, 'raw.bin')).toBe(payload);
    expect(Buffer.from(gunzipChecked(gz, 'a.gz')).equals(Buffer.from(payload))).toBe(true);
  });

  it('reports corrupt and truncated gzip, naming the file', async () => {
    const gz = gzipSync(payload);
    const corrupt = gz.slice();
    for (let i = 20; i < 40; i++) corrupt[i] ^= 0xa5;
    let err = await dataErrorOf(() => maybeGunzip(corrupt, 'train-images-idx3-ubyte.gz'));
    expect(err.message).toMatch(/^train-images-idx3-ubyte\.gz: corrupt gzip data/);
    err = await dataErrorOf(() => maybeGunzip(gz.subarray(0, gz.length - 40), 'cut.gz'));
    expect(err.message).toMatch(/^cut\.gz: corrupt gzip data/);
    err = await dataErrorOf(() => maybeGunzip(new Uint8Array([0x1f, 0x8b, 8, 0]), 'stub.gz'));
    expect(err.message).toMatch(/^stub\.gz: corrupt gzip data/);
  });

  it('the fflate fallback also checks the CRC of the trailer', async () => {
    const gz = gzipSync(payload);
    const badCrc = gz.slice();
    badCrc[badCrc.length - 6] ^= 1;
    const err = await dataErrorOf(() => gunzipChecked(badCrc, 'crc.gz'));
    expect(err.message).toMatch(/^crc\.gz: corrupt gzip data \(CRC-32/);
  });
});
