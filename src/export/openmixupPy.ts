/**
 * Python literals for the OpenMixup config export (openmixup.ts): numbers, strings and booleans as
 * Python source text. Pure TypeScript.
 */

/** Python literal of a number, a string or a boolean. */
export function py(v: number | string | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (!Number.isFinite(v)) throw new Error(`cannot export the non-finite number ${v}`);
  return String(v);
}

export const pyList = (xs: number[]): string => `[${xs.map(py).join(', ')}]`;
