/** Plain-text tables of the `npm run bench` report (bench.ts). */

/** Aligned columns under a dashed rule; numbers with two decimals (none from 100 up), non-finite as "–". */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [
    header,
    ...rows.map((r) =>
      r.map((c) =>
        typeof c === 'number'
          ? Number.isFinite(c)
            ? Math.abs(c) >= 100
              ? c.toFixed(0)
              : c.toFixed(2)
            : '–'
          : c,
      ),
    ),
  ];
  const w = header.map((_, i) => Math.max(...cells.map((r) => String(r[i]).length)));
  return cells
    .map(
      (r, k) =>
        r.map((c, i) => String(c).padEnd(w[i])).join('  ') +
        (k === 0 ? `\n${w.map((n) => '-'.repeat(n)).join('  ')}` : ''),
    )
    .join('\n');
}
