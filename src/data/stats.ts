/**
 * Dataset statistics shared by the loaders: per-channel mean and standard deviation of uint8 HWC
 * pixels (on the [0, 1] scale the trainer normalises with). Pure TypeScript.
 */

/** Per-channel mean and standard deviation of uint8 HWC pixels, on the [0, 1] scale. */
export function channelStats(images: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  const n = images.length / channels;
  for (let i = 0; i < images.length; i += channels) {
    for (let c = 0; c < channels; c++) {
      const v = images[i + c];
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < channels; c++) {
    const m = n > 0 ? sum[c] / n : 0;
    const variance = n > 0 ? Math.max(0, sq[c] / n - m * m) : 0;
    mean.push(m / 255);
    std.push(Math.max(1e-3, Math.sqrt(variance) / 255));
  }
  return { mean, std };
}
