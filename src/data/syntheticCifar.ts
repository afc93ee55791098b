/**
 * Full-size CIFAR-10 binary files with made-up pixels (data_batch_1..5.bin + test_batch.bin, 3,073
 * bytes a record: label, then 1024 R, 1024 G, 1024 B), for `npm run bench` to time the real parser
 * on the real sizes without the real data. Pixels come from a fixed xorshift stream; labels cycle.
 */

/** Records per training batch file and in the test file of the official distribution. */
export const CIFAR_BATCH_RECORDS = 10_000;

/**
 * @param train training records, split over `ceil(train / 10,000)` data_batch files (at most 5 used
 *   by the official names, more are allowed)
 * @param test records in test_batch.bin
 */
export function syntheticCifarFiles(
  train = 5 * CIFAR_BATCH_RECORDS,
  test = CIFAR_BATCH_RECORDS,
): Array<{ name: string; data: Uint8Array }> {
  let s = 0x9e3779b9;
  const fill = (count: number): Uint8Array => {
    const out = new Uint8Array(count * 3073);
    const words = new Uint32Array(out.buffer, 0, Math.floor(out.byteLength / 4));
    for (let i = 0; i < words.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      words[i] = s >>> 0;
    }
    for (let r = 0; r < count; r++) out[r * 3073] = r % 10;
    return out;
  };
  const files: Array<{ name: string; data: Uint8Array }> = [];
  for (let b = 0, left = train; left > 0; b++, left -= CIFAR_BATCH_RECORDS) {
    files.push({ name: `data_batch_${b + 1}.bin`, data: fill(Math.min(CIFAR_BATCH_RECORDS, left)) });
  }
  files.push({ name: 'test_batch.bin', data: fill(test) });
  return files;
}
