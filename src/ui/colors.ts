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

/** Variants of one method (e.g. η values) get shades of its colour. */
export function variantColor(method: MethodName, variant: number): string {
  const base = METHOD_COLORS[method];
  if (variant === 0) return base;
  const n = parseInt(base.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * Math.min(0.7, 0.3 * variant));
  const r = mix(n >> 16);
  const g = mix((n >> 8) & 255);
  const b = mix(n & 255);
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}
