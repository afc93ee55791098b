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

/** A chart row: the step and one value per series key (NaN or missing = no value). */
export interface SeriesRow {
  step: number;
  [key: string]: number;
}

/** A plotted row: `<key>_raw` and (dense series) the smoothed `<key>`; null where there is no value. */
export type PlottedRow = Record<string, number | null>;

/**
 * The rows a chart draws: the dense series smoothed (debiased EMA) and decimated to about `maxPoints`
 * rows (each bucket keeps the extremes of the first dense series, so spikes survive), while every row
 * that holds a value of a sparse series (an evaluation) is kept and left unsmoothed. Non-finite
 * values (and values ≤ 0 on a log axis) become null: a gap, never a zero.
 */
export function plotRows(
  rows: readonly SeriesRow[],
  series: ReadonlyArray<{ key: string }>,
  o: { smoothing: number; logY: boolean; maxPoints: number; sparse: ReadonlySet<string> },
): PlottedRow[] {
  const dense = series.filter((s) => !o.sparse.has(s.key));
  const smoothed = series.map((s) =>
    o.sparse.has(s.key)
      ? []
      : smoothDebiased(
          rows.map((r) => r[s.key] ?? NaN),
          o.smoothing,
        ),
  );
  const first = dense[0]?.key;
  const picked = new Set(
    downsampleIndices(rows.length, o.maxPoints, first ? (i) => rows[i][first] ?? NaN : undefined),
  );
  if (o.sparse.size > 0) {
    rows.forEach((r, i) => {
      for (const k of o.sparse) if (Number.isFinite(r[k])) picked.add(i);
    });
  }
  const ok = (v: number | undefined): v is number =>
    v !== undefined && Number.isFinite(v) && (!o.logY || v > 0);
  return [...picked]
    .sort((a, b) => a - b)
    .map((i) => {
      const out: PlottedRow = { step: rows[i].step };
      series.forEach((s, k) => {
        const raw = rows[i][s.key];
        out[`${s.key}_raw`] = ok(raw) ? raw : null;
        if (!o.sparse.has(s.key)) out[s.key] = ok(smoothed[k][i]) ? smoothed[k][i] : null;
      });
      return out;
    });
}
