import { describe, expect, it } from 'vitest';
import { dotted, MAX_DOTS } from './LinePlot';

describe('LinePlot dots for sparse series', () => {
  it('dots a series with few finite points, so a lone evaluation is visible', () => {
    const rows = [
      { step: 1, acc_raw: null },
      { step: 2, acc_raw: Number.NaN },
      { step: 400, acc_raw: 0.14 },
    ];
    expect(dotted(rows, 'acc_raw')).toBe(true);
    expect(dotted(rows.slice(0, 2), 'acc_raw')).toBe(false); // nothing to draw
  });

  it('draws no dots on a dense series (the line shows it)', () => {
    const rows = Array.from({ length: MAX_DOTS + 1 }, (_, i) => ({ step: i, loss_raw: i / 10 }));
    expect(dotted(rows, 'loss_raw')).toBe(false);
    expect(dotted(rows.slice(0, MAX_DOTS), 'loss_raw')).toBe(true);
  });
});
