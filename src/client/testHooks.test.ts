import { describe, expect, it } from 'vitest';
import { testHooksWanted } from './testHooks';

describe('testHooksWanted', () => {
  it('is on under automation or with ?debug, off for an ordinary visit', () => {
    expect(testHooksWanted('', false)).toBe(false);
    expect(testHooksWanted('?backend=wasm', false)).toBe(false);
    expect(testHooksWanted('?backend=wasm&debug', false)).toBe(true);
    expect(testHooksWanted('?debug=1', false)).toBe(true);
    expect(testHooksWanted('', true)).toBe(true);
  });
});
