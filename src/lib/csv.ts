/**
 * The one CSV writer of the app and the headless commands (chart downloads, the metrics export, the
 * compare table): a header line, `\n` line ends and a trailing newline; numbers in full precision;
 * a value that does not exist (NaN, ±Infinity, null) is an empty field; text is quoted as RFC 4180
 * asks when it holds a comma, a quote or a line break.
 */

export type CsvValue = number | string | boolean | null;

/** One field as CSV text. */
export function csvField(v: CsvValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return String(v);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text of `rows` under `header`. */
export function csvText(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<CsvValue>>): string {
  const line = (r: ReadonlyArray<CsvValue>): string => r.map(csvField).join(',');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
