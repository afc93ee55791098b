/**
 * Axis helpers for the live charts (pure, tested): data extents, "nice" linear ticks (1-2-5 steps),
 * log ticks (powers of ten) and the value → pixel mapping, linear or log.
 */

export interface Scale {
  lo: number;
  hi: number;
  log: boolean;
}

/** Finite min/max of the values (positive only for log scales); null when there is none. */
export function extent(values: Iterable<number | null>, log: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Tick spacing 1, 2 or 5 × 10^k giving about `count` ticks over [lo, hi] (as d3 picks it). */
export function tickStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const err = raw / mag;
  return mag * (err >= Math.sqrt(50) ? 10 : err >= Math.sqrt(10) ? 5 : err >= Math.sqrt(2) ? 2 : 1);
}

/** About `count` round ticks covering [lo, hi]; widens a zero-width range. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const step = tickStep(lo, hi, count);
  const out: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last; k++) out.push(Number((k * step).toPrecision(12)) || 0);
  return out;
}

/** The scale a chart draws with: nice-rounded ends for linear axes, whole decades for log axes. */
export function makeScale(lo: number, hi: number, log: boolean): Scale {
  if (log) {
    const a = Math.floor(Math.log10(lo));
    const b = Math.ceil(Math.log10(hi));
    return { lo: Math.pow(10, a), hi: Math.pow(10, b === a ? a + 1 : b), log };
  }
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const step = tickStep(lo, hi, 5);
  return { lo: Math.floor(lo / step + 1e-9) * step, hi: Math.ceil(hi / step - 1e-9) * step, log };
}

/** Tick values of a scale. */
export function scaleTicks(s: Scale, count = 5): number[] {
  if (!s.log) return niceTicks(s.lo, s.hi, count).filter((t) => t >= s.lo - 1e-12 && t <= s.hi + 1e-12);
  const out: number[] = [];
  for (let e = Math.round(Math.log10(s.lo)); e <= Math.round(Math.log10(s.hi)); e++)
    out.push(Math.pow(10, e));
  return out;
}

/** An axis drawn with a fixed domain and fixed ticks (recharts then derives neither from the data). */
export interface Axis {
  domain: [number, number];
  ticks: number[];
}

/**
 * A value axis: the `fixed` ends where they are numbers, the others rounded outwards from the extent
 * of `values` to a 1-2-5 tick (a whole decade on a log axis), so every value is inside and every tick
 * is a round number. Without values: [0, 1], or [1, 10] on a log axis.
 */
export function valueAxis(
  values: Iterable<number | null>,
  log: boolean,
  fixed: readonly [number | 'auto', number | 'auto'] = ['auto', 'auto'],
): Axis {
  const [flo, fhi] = fixed;
  const ext = extent(values, log) ?? (log ? [1, 10] : [0, 1]);
  const lo = typeof flo === 'number' && (!log || flo > 0) ? flo : ext[0];
  const hi = typeof fhi === 'number' && (!log || fhi > 0) ? fhi : ext[1];
  const s = makeScale(Math.min(lo, hi), Math.max(lo, hi), log);
  if (!log && typeof flo === 'number') s.lo = flo;
  if (!log && typeof fhi === 'number') s.hi = fhi;
  return { domain: [s.lo, s.hi], ticks: scaleTicks(s) };
}

/** Position of `v` in [0, 1] along the scale (not clamped). */
export function unit(s: Scale, v: number): number {
  if (s.log) return (Math.log10(v) - Math.log10(s.lo)) / (Math.log10(s.hi) - Math.log10(s.lo) || 1);
  return (v - s.lo) / (s.hi - s.lo || 1);
}

/** One formatter for every label: `toLocaleString` builds a new one per call (per tick, per redraw). */
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A step as an axis label: an integer with thousands separators (1,000 and 12,400; never 1e+3). */
export function fmtStep(v: number): string {
  return Number.isFinite(v) ? WHOLE.format(Math.round(v)) : '';
}

/** Short value tick label: plain digits with separators from 1,000 up, a few significant digits below. */
export function fmtTick(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000) return WHOLE.format(Math.round(v));
  if (a < 1e-3) return v.toExponential(0);
  if (a >= 100) return v.toFixed(0);
  return String(Number(v.toPrecision(2)));
}
