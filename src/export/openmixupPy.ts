/**
 * Python literals for the OpenMixup config export (openmixup.ts): numbers, strings and booleans as
 * Python source text. Pure TypeScript.
 */

/** Control characters (line breaks included): never written raw into the generated source. */
const isControl = (code: number): boolean =>
  code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029;

/** `text` with every control character replaced by `escape(code)`. */
function escapeControls(text: string, escape: (code: number) => string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    out += isControl(code) ? escape(code) : ch;
  }
  return out;
}

const pyEscape = (code: number): string =>
  code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;

/**
 * Python literal of a number, a string or a boolean. Strings are single-quoted with backslashes,
 * quotes and every control character escaped, so user text cannot end the literal or the line.
 */
export function py(v: number | string | boolean): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string')
    return `'${escapeControls(v.replace(/\\/g, '\\\\').replace(/'/g, "\\'"), pyEscape)}'`;
  if (!Number.isFinite(v)) throw new Error(`cannot export the non-finite number ${v}`);
  return String(v);
}

export const pyList = (xs: number[]): string => `[${xs.map(py).join(', ')}]`;

/** User text inside a `#` comment line of the generated file: control characters (line breaks) escaped. */
export function pyComment(text: string): string {
  return escapeControls(text, (code) => JSON.stringify(String.fromCharCode(code)).slice(1, -1));
}
