import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type MethodName, type RunConfig } from '../core/config';
import { CSV_COLUMNS, diffConfigs, meanStd, sortRows, summarize, toCsv, toMarkdown } from './summary';
import type { CompareRunResult } from './types';

const SQRT_002 = Math.sqrt(0.02); // sample std of 0.5 and 0.7

function run(
  method: MethodName,
  seed: number,
  r: Partial<CompareRunResult> & { q?: number; k?: number },
  config: Partial<RunConfig> = {},
): CompareRunResult {
  const { q = 0.5, k = NaN, ...rest } = r;
  return {
    label: `${method} s${seed}`,
    method,
    seed,
    config: { ...DEFAULT_CONFIG, method, seed, steps: 100, batch: 32, ...config },
    steps: 100,
    examplesSeen: 3200,
    finalTestAccQ: q,
    finalTestAccK: k,
    bestTestAccQ: q,
    bestTestAccK: k,
    finalObjectKept: NaN,
    msPerStep: 10,
    evals: [],
    metrics: [],
    error: '',
    ...rest,
  };
}

const results: CompareRunResult[] = [
  run('erm', 1, { q: 0.5, msPerStep: 10 }),
  run('samix', 1, { q: 0.6, k: 0.65, bestTestAccQ: 0.7, msPerStep: 30, finalObjectKept: 1.2 }),
  run('mixup', 1, { q: 0.55, msPerStep: 11 }),
  run('erm', 2, { q: 0.7, msPerStep: 12 }),
  run('samix', 2, { q: 0.8, k: NaN, bestTestAccQ: 0.8, msPerStep: 36 }),
  run('mixup', 2, { q: 0.65, msPerStep: 11 }),
  run('mixup', 3, { q: 0.01, msPerStep: 1000, steps: 5, error: 'step 6: NaN in loss' }),
];

describe('meanStd', () => {
  it('computes the mean and the sample standard deviation over finite values', () => {
    const s = meanStd([0.5, 0.7]);
    expect(s.mean).toBeCloseTo(0.6, 15);
    expect(s.std).toBeCloseTo(SQRT_002, 15);
    expect(s.std).toBeCloseTo(0.1414213562, 9);
    expect(s.n).toBe(2);
    expect(meanStd([0.5, NaN, 0.7])).toEqual(s);
    const one = meanStd([0.4]);
    expect(one.mean).toBe(0.4);
    expect(one.std).toBeNaN();
    expect(meanStd([NaN, NaN])).toEqual({ mean: NaN, std: NaN, n: 0 });
  });
});

describe('summarize', () => {
  const rows = summarize(results);

  it('groups by method in order of first appearance; failed runs are counted, not averaged', () => {
    expect(rows.map((r) => [r.method, r.n, r.failed])).toEqual([
      ['erm', 2, 0],
      ['samix', 2, 0],
      ['mixup', 2, 1],
    ]);
    const mixup = rows[2];
    expect(mixup.finalQ.mean).toBeCloseTo(0.6, 15);
    expect(mixup.finalQ.std).toBeCloseTo(Math.sqrt(0.005), 15);
    expect(mixup.msPerStep).toBe(11);
    expect(mixup.examplesSeen).toBe(3200);
  });

  it('computes mean ± std of final and best accuracy', () => {
    const erm = rows[0];
    expect(erm.finalQ.mean).toBeCloseTo(0.6, 15);
    expect(erm.finalQ.std).toBeCloseTo(SQRT_002, 15);
    expect(rows[1].bestQ.mean).toBeCloseTo(0.75, 15);
    expect(rows[1].bestQ.std).toBeCloseTo(Math.sqrt(0.005), 15);
  });

  it('is NaN-aware for the momentum encoder', () => {
    expect(rows[0].finalK).toEqual({ mean: NaN, std: NaN, n: 0 });
    expect(rows[1].finalK).toEqual({ mean: 0.65, std: NaN, n: 1 });
  });

  it('gives the ms/step ratio to ERM, NaN without ERM', () => {
    expect(rows.map((r) => r.ratioToErm)).toEqual([1, 3, 1]);
    expect(
      summarize(results.filter((r) => r.method !== 'erm')).every((r) => Number.isNaN(r.ratioToErm)),
    ).toBe(true);
  });

  it('flags the clean-image CE term: ERM and learned methods always, baselines with the switch', () => {
    expect(rows.map((r) => r.cleanCE)).toEqual([true, true, false]);
    const on = summarize([run('mixup', 1, {}, { cleanCE: true })]);
    expect(on[0].cleanCE).toBe(true);
  });
});

describe('toMarkdown', () => {
  it('renders the caption and the table (exact)', () => {
    const rows = summarize([
      run('erm', 1, { q: 0.5, msPerStep: 10 }),
      run('erm', 2, { q: 0.7, msPerStep: 12 }),
      run('samix', 1, { q: 0.9, k: 0.91, msPerStep: 33, finalObjectKept: 1.234 }),
      run('samix', 2, { error: 'stopped at step 3 of 100', finalObjectKept: 1.9 }),
    ]);
    expect(toMarkdown(rows, { dataset: 'shapes', steps: 100, batch: 32, cleanCE: true, seeds: 2 })).toBe(
      [
        'Dataset shapes, 100 steps, batch 32, 2 seeds; apples-to-apples clean-CE term for hand-crafted baselines: on. ' +
          "Test accuracy in %, mean ± std over seeds; best acc is the online encoder's (q). " +
          "Object kept: both objects' visible shares on fixed test pairs (1 = masks that ignore the images, " +
          '2 = both whole; datasets with object masks only).',
        '',
        '| method | final acc (q) | final acc (k) | best acc | object kept | ms/step | × ERM | examples |',
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
        '| erm | 60.00 ± 14.14 | — | 60.00 ± 14.14 | — | 11.0 | 1.00 | 3200 |',
        '| samix (1 failed) | 90.00 | 91.00 | 90.00 | 1.23 | 33.0 | 3.00 | 3200 |',
        '',
      ].join('\n'),
    );
  });

  it('shows — for × ERM without ERM and says when the switch is off', () => {
    const md = toMarkdown(summarize([run('mixup', 1, { q: 0.25 })]), {
      dataset: 'mnist',
      steps: 60,
      batch: 32,
      cleanCE: false,
      seeds: 1,
    });
    expect(md).toContain('Dataset mnist, 60 steps, batch 32, 1 seed; ');
    expect(md).toContain('clean-CE term for hand-crafted baselines: off.');
    expect(md).toContain('| mixup | 25.00 | — | 25.00 | — | 10.0 | — | 3200 |');
  });

  it('gives the object-kept score as mean ± std over the seeds that have one', () => {
    const md = toMarkdown(
      summarize([
        run('cutmix', 1, { finalObjectKept: 1.1 }),
        run('cutmix', 2, { finalObjectKept: 1.3 }),
        run('cutmix', 3, { finalObjectKept: NaN }),
      ]),
      { dataset: 'shapes', steps: 60, batch: 32, cleanCE: false, seeds: 3 },
    );
    expect(md).toContain(
      `| cutmix | 50.00 ± 0.00 | — | 50.00 ± 0.00 | 1.20 ± ${Math.sqrt(0.02).toFixed(2)} |`,
    );
  });
});

/** Minimal RFC 4180 reader (quoted fields, doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      endField();
    } else if (!quoted && c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('toCsv', () => {
  it('is checked with a reader that handles quoted fields', () => {
    expect(parseCsv('a,"b,""c"""\n1,\n')).toEqual([
      ['a', 'b,"c"'],
      ['1', ''],
    ]);
  });

  it('parses back to the same numbers; NaN is an empty field', () => {
    const rows = summarize(results);
    const csv = toCsv(rows);
    expect(csv.endsWith('\n')).toBe(true);
    const [head, ...body] = parseCsv(csv);
    expect(head).toEqual([...CSV_COLUMNS]);
    expect(body).toHaveLength(rows.length);
    body.forEach((cells, i) => {
      const rec = Object.fromEntries(head.map((h, j) => [h, cells[j]]));
      const num = (s: string): number => (s === '' ? NaN : Number(s));
      const r = rows[i];
      expect(rec.method).toBe(r.method);
      expect(Number(rec.n)).toBe(r.n);
      expect(Number(rec.failed)).toBe(r.failed);
      expect(num(rec.final_acc_q_mean)).toBe(r.finalQ.mean);
      expect(num(rec.final_acc_q_std)).toBe(r.finalQ.std);
      expect(num(rec.final_acc_k_mean)).toEqual(r.finalK.mean);
      expect(num(rec.best_acc_q_mean)).toBe(r.bestQ.mean);
      expect(num(rec.object_kept_mean)).toEqual(r.objectKept.mean);
      expect(num(rec.object_kept_std)).toEqual(r.objectKept.std);
      expect(num(rec.ms_per_step)).toBe(r.msPerStep);
      expect(num(rec.ratio_to_erm)).toBe(r.ratioToErm);
      expect(num(rec.examples_seen)).toBe(r.examplesSeen);
      expect(rec.clean_ce).toBe(String(r.cleanCE));
    });
    expect(body[0][CSV_COLUMNS.indexOf('final_acc_k_mean')]).toBe('');
  });
});

describe('sortRows', () => {
  const rows = summarize(results);
  it('sorts numbers in either direction with NaN last, without touching the input', () => {
    expect(sortRows(rows, 'msPerStep', 'desc').map((r) => r.method)).toEqual(['samix', 'erm', 'mixup']);
    expect(sortRows(rows, 'bestQ', 'asc').map((r) => r.method)).toEqual(['erm', 'mixup', 'samix']);
    expect(sortRows(rows, 'finalK', 'asc').map((r) => r.method)).toEqual(['samix', 'erm', 'mixup']);
    expect(sortRows(rows, 'finalK', 'desc').map((r) => r.method)).toEqual(['samix', 'erm', 'mixup']);
    expect(sortRows(rows, 'method', 'asc').map((r) => r.method)).toEqual(['erm', 'mixup', 'samix']);
    expect(sortRows(rows, 'method', 'desc').map((r) => r.method)).toEqual(['samix', 'mixup', 'erm']);
    expect(rows.map((r) => r.method)).toEqual(['erm', 'samix', 'mixup']);
  });
  it('keeps ties in order', () => {
    expect(sortRows(rows, 'examplesSeen', 'desc').map((r) => r.method)).toEqual(['erm', 'samix', 'mixup']);
  });
});

describe('diffConfigs', () => {
  it('lists only the fields that differ, in FIELD_RULES order', () => {
    const a: RunConfig = { ...DEFAULT_CONFIG, method: 'mixup' };
    const b: RunConfig = { ...DEFAULT_CONFIG, method: 'samix', lr: 0.05, cleanCE: true };
    expect(diffConfigs(a, b)).toEqual([
      { field: 'method', a: 'mixup', b: 'samix' },
      { field: 'lr', a: 0.1, b: 0.05 },
      { field: 'cleanCE', a: false, b: true },
    ]);
    expect(diffConfigs(a, { ...a })).toEqual([]);
  });
});

describe('variants of one method', () => {
  it('group by label without the seed suffix, so η variants get a row each', () => {
    const rows = summarize([
      run('samix', 1, { label: 'samix η=0 s1', q: 0.4 }),
      run('samix', 2, { label: 'samix η=0 s2', q: 0.6 }),
      run('samix', 1, { label: 'samix η=1 s1', q: 0.7 }),
    ]);
    expect(rows.map((r) => [r.label, r.method, r.n, r.finalQ.mean])).toEqual([
      ['samix η=0', 'samix', 2, 0.5],
      ['samix η=1', 'samix', 1, 0.7],
    ]);
  });
});
