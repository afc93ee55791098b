import { describe, expect, it } from 'vitest';
import { dots, MAX_DOTS } from './LinePlot';

const id = (v: number) => v;

describe('LinePlot dots for sparse series', () => {
  it('marks every finite point of a sparse series, so a lone evaluation is visible', () => {
    const rows = [
      { step: 1, acc_raw: null },
      { step: 2, acc_raw: Number.NaN },
      { step: 400, acc_raw: 0.14 },
    ];
    expect(dots(rows, 'acc_raw', id, id)).toEqual([[400, 0.14]]);
  });

  it('draws no dots on a dense series (the line shows it)', () => {
    const rows = Array.from({ length: MAX_DOTS + 1 }, (_, i) => ({ step: i, loss_raw: i / 10 }));
    expect(dots(rows, 'loss_raw', id, id)).toEqual([]);
    expect(dots(rows.slice(0, MAX_DOTS), 'loss_raw', id, id)).toHaveLength(MAX_DOTS);
  });
});
