/**
 * The one validator, table-driven: every field of FIELD_RULES rejects values outside its rule with
 * a message naming the field, the range and the value, and every entry point (URL, headless
 * command, the page's Start) surfaces that same message.
 */
import { describe, expect, it } from 'vitest';
import { UsageError, configFromSettings } from '../cli/args';
import { parseUrlState } from '../ui/urlState';
import {
  DEFAULT_CONFIG,
  FIELD_RULES,
  checkField,
  parseConfig,
  validateConfig,
  type RunConfig,
} from './config';

/** The fields' ranges, written out: a changed range must change this table too. */
const LITERAL: Array<[keyof RunConfig, unknown, string]> = [
  ['batch', 1, 'batch must be an integer in [2, 1024]; got 1'],
  ['batch', '1025', 'batch must be an integer in [2, 1024]; got "1025"'],
  ['batch', 8.5, 'batch must be an integer in [2, 1024]; got 8.5'],
  ['width', 1, 'width must be an integer in [2, 128]; got 1'],
  ['steps', 0, 'steps must be an integer in [1, 1000000]; got 0'],
  ['seed', -1, 'seed must be an integer in [0, 2147483647]; got -1'],
  ['lr', 0, 'lr must be a number in [0.000001, 10]; got 0'],
  ['lr', 'fast', 'lr must be a number in [0.000001, 10]; got "fast"'],
  ['mixerLr', 11, 'mixerLr must be a number in [0, 10]; got 11'],
  ['weightDecay', 0.2, 'weightDecay must be a number in [0, 0.1]; got 0.2'],
  ['alpha', -0.1, 'alpha must be a number in [0, 100]; got -0.1'],
  ['eta', 10.5, 'eta must be a number in [0, 10]; got 10.5'],
  ['maskMargin', 0.6, 'maskMargin must be a number in [0, 0.5]; got 0.6'],
  ['lamMulK', -2, 'lamMulK must be a number in [-1, 10]; got -2'],
  ['lamMargin', 0.51, 'lamMargin must be a number in [0, 0.5]; got 0.51'],
  ['emaBase', 1.01, 'emaBase must be a number in [0, 1]; got 1.01'],
  ['mixerStage', 5, 'mixerStage must be an integer in [1, 4]; got 5'],
  ['evalEvery', 0, 'evalEvery must be an integer in [1, 1000000]; got 0'],
  ['etaMode', 'both', 'etaMode must be one of decoupled, rest, fullCE, codeFaithful; got "both"'],
  ['maskLossMode', 'l2', 'maskLossMode must be one of "", l1, l1+var; got "l2"'],
  [
    'dataset',
    'imagenet',
    'dataset must be one of shapes, mnist, fashion-mnist, cifar10, folder, idx; got "imagenet"',
  ],
  ['augment', 'yes', 'augment must be true or false; got "yes"'],
  ['cleanCE', 2, 'cleanCE must be true or false; got 2'],
];

describe('validator: literal ranges', () => {
  it.each(LITERAL)('%s = %j → %s', (field, raw, message) => {
    const r = checkField(field, raw);
    expect(r).toEqual({ ok: false, issue: { field, message } });
    expect(validateConfig({ [field]: raw }).issues).toEqual([{ field, message }]);
  });
});

/** Bad values for a rule, each with the text the message must quote. */
function badValues(field: keyof RunConfig): Array<[unknown, string]> {
  const rule = FIELD_RULES[field];
  if (rule.kind === 'boolean')
    return [
      ['yes', '"yes"'],
      [2, '2'],
      [null, 'null'],
    ];
  if (rule.kind === 'enum')
    return [
      ['no-such-value', '"no-such-value"'],
      [7, '7'],
    ];
  if (rule.kind === 'string') {
    const long = 'x'.repeat(rule.maxLength + 1);
    return [
      [7, '7'],
      [long, JSON.stringify(long)],
    ];
  }
  const out: Array<[unknown, string]> = [
    [rule.min - 1, String(rule.min - 1)],
    [rule.max + 1, String(rule.max + 1)],
    [String(rule.max + 1), `"${rule.max + 1}"`],
    ['abc', '"abc"'],
    ['', '""'],
    [NaN, 'null'],
  ];
  if (rule.integer) out.push([rule.min + 0.5, String(rule.min + 0.5)]);
  return out;
}

function rangeText(field: keyof RunConfig): string {
  const rule = FIELD_RULES[field];
  if (rule.kind === 'boolean') return 'true or false';
  if (rule.kind === 'enum') return `one of ${rule.values.map((v) => (v === '' ? '""' : v)).join(', ')}`;
  if (rule.kind === 'string') return `a text of at most ${rule.maxLength} characters`;
  return `${rule.integer ? 'an integer' : 'a number'} in [${rule.min}, ${rule.max}]`;
}

const FIELDS = Object.keys(FIELD_RULES) as Array<keyof RunConfig>;
const ROWS = FIELDS.flatMap((field) =>
  badValues(field).map(([raw, quoted]) => [field, raw, quoted] as const),
);

describe('validator: every field of FIELD_RULES', () => {
  it('covers every RunConfig field, and every default passes its own rule', () => {
    expect(new Set(FIELDS)).toEqual(new Set(Object.keys(DEFAULT_CONFIG)));
    for (const f of FIELDS)
      expect(checkField(f, DEFAULT_CONFIG[f])).toEqual({ ok: true, value: DEFAULT_CONFIG[f] });
  });

  it.each(ROWS)('%s rejects %j naming field, range and value', (field, raw, quoted) => {
    const message = `${field} must be ${rangeText(field)}; got ${quoted}`;
    expect(checkField(field, raw)).toEqual({ ok: false, issue: { field, message } });
    expect(() => parseConfig({ [field]: raw })).toThrow(message);
  });

  it('every number field accepts its bounds', () => {
    for (const f of FIELDS) {
      const rule = FIELD_RULES[f];
      if (rule.kind !== 'number') continue;
      expect(checkField(f, rule.min).ok, `${f} min`).toBe(true);
      expect(checkField(f, rule.max).ok, `${f} max`).toBe(true);
    }
  });

  it('reports every issue at once, unknown settings included', () => {
    const { issues } = validateConfig({ batch: 1, eta: -1, colour: 'red' });
    expect(issues.map((i) => i.field)).toEqual(['batch', 'eta', 'colour']);
    expect(issues[2].message).toMatch(/^unknown setting "colour"; known: method, dataset, seed, batch/);
  });

  it('cross-field rules name both fields and the value', () => {
    expect(validateConfig({ emaBase: 0.999, emaEnd: 0.99 }).issues).toEqual([
      { field: 'emaEnd', message: 'emaEnd must be ≥ emaBase (0.999); got 0.99' },
    ]);
    expect(validateConfig({ mixerLr: 0.01, mixerLrMin: 0.1 }).issues).toEqual([
      { field: 'mixerLrMin', message: 'mixerLrMin must be ≤ the Mixer learning rate (0.01); got 0.1' },
    ]);
  });
});

describe('every entry point uses the same validator', () => {
  it('URL: the note quotes the validator message, then says what was done', () => {
    expect(parseUrlState('', '#batch=1').notes).toEqual([
      'batch must be an integer in [2, 1024]; got "1"; clamped to 2.',
    ]);
    expect(parseUrlState('', '#etaMode=both').notes).toEqual([
      'etaMode must be one of decoupled, rest, fullCE, codeFaithful; got "both"; kept the default "decoupled".',
    ]);
  });

  it('URL: cross-field rules apply too (they used to bypass the per-field check)', () => {
    const s = parseUrlState('', '#emaBase=0.99&emaEnd=0.98');
    expect(s.notes).toEqual(['emaEnd must be ≥ emaBase (0.99); got 0.98; kept the default 0.99.']);
    expect(validateConfig({ ...s.config }).issues).toEqual([]);
    const clash = parseUrlState('', '#mixerLr=0.0001');
    expect(clash.notes).toEqual(['mixerLrMin must be ≤ the Mixer learning rate (0.0001); got 0.001.']);
  });

  it('headless command: the same message, naming the flag', () => {
    expect(() => configFromSettings({ batch: '1' })).toThrow(UsageError);
    expect(() => configFromSettings({ batch: '1' })).toThrow(
      '--batch must be an integer in [2, 1024]; got "1"',
    );
    expect(() => configFromSettings({ mixerLrMin: '5', mixerLr: '0.1' })).toThrow(
      '--mixer-lr-min must be ≤ the Mixer learning rate (0.1); got 5',
    );
  });
});
