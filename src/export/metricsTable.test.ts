import { describe, expect, it } from 'vitest';
import type { EvalResult, StepMetrics } from '../core/trainerTypes';
import { EXPORT_COLUMNS, exportCsv, exportJson, exportRows } from './metricsTable';

const point = (step: number, mixQ: number): StepMetrics => ({
  step,
  epoch: step / 10,
  lamMb: 0.3,
  lamBb: 0.6,
  maskMean: 0.6,
  loss: {
    total: 3,
    local: 0.6,
    global: 1.2,
    mixer: 1.2,
    mask: -0.05,
    maskL1: 0,
    maskVar: 0.1,
    mixQ,
    oneQ: 2,
  },
  acc: { train: 0.25 },
  msPerStep: 150,
});

describe('metrics export (readable table)', () => {
  const metrics = [point(1, 2.3), point(2, NaN), point(3, 2.1)];
  const evals: EvalResult[] = [
    { step: 2, testAccQ: 0.4, testAccK: 0.35, objectKept: 1.2 },
    { step: 5, testAccQ: 0.5, testAccK: NaN },
  ];

  it('has readable column names, including the test accuracies and the object-kept score', () => {
    expect(EXPORT_COLUMNS).toContain('test_accuracy_online');
    expect(EXPORT_COLUMNS).toContain('test_accuracy_momentum');
    expect(EXPORT_COLUMNS).toContain('object_kept');
    expect(EXPORT_COLUMNS.some((c) => /mixQ|oneQ|lamBb/.test(c))).toBe(false);
  });

  it('puts evaluations on their steps, keeps evaluated steps without logged metrics, empties the rest', () => {
    const rows = exportRows(metrics, evals);
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 5]);
    expect(rows[1]).toMatchObject({
      test_accuracy_online: 0.4,
      test_accuracy_momentum: 0.35,
      object_kept: 1.2,
    });
    expect(rows[1].classifier_mixed_ce).toBeNull(); // NaN: a term the step did not compute
    expect(rows[0].test_accuracy_online).toBeNull();
    expect(rows[3]).toMatchObject({
      test_accuracy_online: 0.5,
      test_accuracy_momentum: null,
      loss_total: null,
    });
  });

  it('writes CSV with empty fields and JSON with nulls for missing values', () => {
    const csv = exportCsv(metrics, evals).trim().split('\n');
    expect(csv[0]).toBe(EXPORT_COLUMNS.join(','));
    const row2 = Object.fromEntries(EXPORT_COLUMNS.map((k, i) => [k, csv[2].split(',')[i]]));
    expect(row2).toMatchObject({
      step: '2',
      classifier_mixed_ce: '',
      test_accuracy_online: '0.4',
      object_kept: '1.2',
    });
    const json = JSON.parse(exportJson(metrics, evals)) as {
      columns: string[];
      rows: Array<Record<string, unknown>>;
    };
    expect(json.columns).toEqual([...EXPORT_COLUMNS]);
    expect(json.rows[3].loss_total).toBeNull();
  });
});
