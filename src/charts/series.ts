/**
 * Chart data helpers (pure, tested): debiased exponential smoothing as in TensorBoard (early points
 * are not pulled towards zero) and min/max-preserving downsampling for long runs.
 */

/**
 * Debiased EMA: s_t = w·s_{t−1} + (1−w)·x_t, divided by (1 − w^t). Non-finite inputs are passed
 * through as NaN and do not disturb the average.
 * @param values raw series
 * @param weight smoothing weight in [0, 1); 0 returns the input
 */
export function smoothDebiased(values: readonly number[], weight: number): number[] {
  if (weight <= 0) return values.slice();
  const w = Math.min(weight, 0.999);
  const out = new Array<number>(values.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    acc = w * acc + (1 - w) * v;
    n++;
    out[i] = acc / (1 - Math.pow(w, n));
  }
  return out;
}

/**
 * Picks at most `max` indices of `n` points, evenly spaced by bucket, always keeping the first and
 * last point and, within each bucket, the extremes of `key` so spikes survive downsampling.
 */
export function downsampleIndices(n: number, max: number, key?: (i: number) => number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const size = (n - 2) / buckets;
  const out: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor(b * size);
    const hi = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    if (!key) {
      out.push(lo);
      continue;
    }
    let iMin = lo;
    let iMax = lo;
    for (let i = lo; i < hi; i++) {
      const v = key(i);
      if (v < key(iMin)) iMin = i;
      if (v > key(iMax)) iMax = i;
    }
    if (iMin === iMax) out.push(iMin);
    else out.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  out.push(n - 1);
  return out;
}

/** CSV text of rows with a header, numbers printed in full precision. */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<number | string>>,
): string {
  const esc = (v: number | string): string =>
    typeof v === 'number'
      ? Number.isFinite(v)
        ? String(v)
        : ''
      : /[",\n]/.test(v)
        ? `"${v.replace(/"/g, '""')}"`
        : v;
  return [header.map(esc).join(','), ...rows.map((r) => r.map(esc).join(','))].join('\n') + '\n';
}
