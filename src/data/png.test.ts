import { describe, expect, it } from 'vitest';
import { decodePng } from './png';
import { dataErrorOf, encodePng } from './testFixtures';

const W = 7;
const H = 5;
const sample = (x: number, y: number, c: number): number =>
  (x * 37 + y * 91 + c * 53 + ((x * y) % 7) * 11) & 0xff;

function pixels(channels: number): Uint8Array {
  const out = new Uint8Array(W * H * channels);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < channels; c++) out[(y * W + x) * channels + c] = sample(x, y, c);
  return out;
}

describe('decodePng', () => {
  it('round-trips RGB with filter 0 and with every filter type', () => {
    for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
      const png = encodePng({ width: W, height: H, colorType: 2, pixels: pixels(3), filters });
      const img = decodePng(png, 'rgb.png');
      expect([img.width, img.height]).toEqual([W, H]);
      for (let p = 0; p < W * H; p++) {
        const x = p % W;
        const y = Math.floor(p / W);
        expect([img.rgba[4 * p], img.rgba[4 * p + 1], img.rgba[4 * p + 2], img.rgba[4 * p + 3]]).toEqual([
          sample(x, y, 0),
          sample(x, y, 1),
          sample(x, y, 2),
          255,
        ]);
      }
    }
  });

  it('decodes RGBA, gray, gray+alpha and palette images', () => {
    const rgba = decodePng(
      encodePng({ width: W, height: H, colorType: 6, pixels: pixels(4), filters: [4, 3] }),
      'a.png',
    );
    expect(Array.from(rgba.rgba)).toEqual(Array.from(pixels(4)));
    const gray = decodePng(
      encodePng({ width: W, height: H, colorType: 0, pixels: pixels(1), filters: [2, 1] }),
      'g.png',
    );
    expect(gray.rgba[4 * 8]).toBe(sample(1, 1, 0));
    expect(gray.rgba[4 * 8 + 2]).toBe(sample(1, 1, 0));
    expect(gray.rgba[4 * 8 + 3]).toBe(255);
    const ga = decodePng(
      encodePng({ width: W, height: H, colorType: 4, pixels: pixels(2), filters: [3] }),
      'ga.png',
    );
    expect([ga.rgba[4 * 9], ga.rgba[4 * 9 + 3]]).toEqual([sample(2, 1, 0), sample(2, 1, 1)]);
    const palette = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const idx = Uint8Array.from({ length: W * H }, (_, i) => i % 3);
    const pal = decodePng(
      encodePng({
        width: W,
        height: H,
        colorType: 3,
        pixels: idx,
        palette,
        paletteAlpha: Uint8Array.from([255, 128]),
        filters: [1],
      }),
      'p.png',
    );
    expect(Array.from(pal.rgba.subarray(0, 12))).toEqual([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255]);
  });

  it('reports corrupt files, naming them', async () => {
    const png = encodePng({ width: W, height: H, colorType: 2, pixels: pixels(3) });
    let err = await dataErrorOf(() => decodePng(new TextEncoder().encode('GIF89a not a png'), 'cat.png'));
    expect(err.message).toBe('cat.png: not a PNG file (missing the PNG signature)');
    const flipped = png.slice();
    flipped[45] ^= 0xff; // inside the data of the first IDAT chunk
    err = await dataErrorOf(() => decodePng(flipped, 'dog.png'));
    expect(err.message).toMatch(/^dog\.png: corrupt PNG: CRC mismatch in the IDAT chunk/);
    err = await dataErrorOf(() => decodePng(png.subarray(0, 45), 'cut.png'));
    expect(err.message).toMatch(/^cut\.png: truncated PNG/);
    const interlaced = png.slice();
    interlaced[8 + 8 + 12] = 1; // IHDR interlace byte (CRC now wrong too, so patch it after)
    const { crc32 } = await import('../lib/crc32');
    new DataView(interlaced.buffer).setUint32(8 + 8 + 13, crc32(interlaced, 12, 8 + 8 + 13));
    err = await dataErrorOf(() => decodePng(interlaced, 'adam7.png'));
    expect(err.message).toMatch(/^adam7\.png: interlaced/);
  });
});
