import { describe, expect, it } from 'vitest';
import { csvField, csvText } from './csv';

describe('csvText', () => {
  it('quotes text with commas, quotes and line breaks, and leaves missing numbers empty', () => {
    expect(
      csvText(
        ['step', 'note'],
        [
          [1, 'a,b'],
          [NaN, 'say "hi"'],
          [Infinity, 'two\nlines'],
          [null, 'cr\r'],
        ],
      ),
    ).toBe('step,note\n1,"a,b"\n,"say ""hi"""\n,"two\nlines"\n,"cr\r"\n');
  });

  it('prints numbers in full precision and booleans as words', () => {
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(true)).toBe('true');
    expect(csvText(['a'], [])).toBe('a\n');
  });
});
