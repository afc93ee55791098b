/** One colour per method, the same in every chart, table and gallery. */
import type { MethodName } from '../core/config';

export const METHOD_COLORS: Record<MethodName, string> = {
  erm: '#6b7280',
  mixup: '#2563eb',
  cutmix: '#d97706',
  manifoldmix: '#0891b2',
  fmix: '#65a30d',
  saliencymix: '#c026d3',
  resizemix: '#92400e',
  puzzlemix: '#4f46e5',
  automix: '#059669',
  samix: '#dc2626',
  samixp: '#f472b6',
};

/** Further colours for runs beyond the first of a method (distinct hues, not shades). */
const EXTRA = ['#7c3aed', '#0d9488', '#ea580c', '#1d4ed8', '#be123c', '#4d7c0f', '#a16207', '#0369a1'];

/**
 * One colour per group of compared runs (a method, or a variant such as `samix η=0.5`): a method's
 * first group gets the method's colour, every further group of the same method a distinct hue — so
 * η = 0 / 0.5 / 1 are three different colours, not three shades of red.
 */
export function groupColors(
  groups: ReadonlyArray<{ label: string; method: MethodName }>,
): Map<string, string> {
  const used = new Set(Object.values(METHOD_COLORS));
  const free = EXTRA.filter((c) => !used.has(c));
  const out = new Map<string, string>();
  const seen = new Set<MethodName>();
  let extra = 0;
  for (const g of groups) {
    if (out.has(g.label)) continue;
    if (!seen.has(g.method)) {
      seen.add(g.method);
      out.set(g.label, METHOD_COLORS[g.method]);
    } else out.set(g.label, free[extra++ % free.length]);
  }
  return out;
}
