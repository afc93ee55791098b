/**
 * Page objects for the playground's panels: each is found by its region's accessible name and knows
 * the markup inside it (recharts layers of a chart, the mask canvases, a panel's lists), so the specs
 * say what they check and a markup change is mended in one place.
 */
import type { Locator, Page } from '@playwright/test';

/** A panel: the `section` whose accessible name is `name`. */
export class Panel {
  readonly root: Locator;
  constructor(
    readonly page: Page,
    readonly name: string,
  ) {
    this.root = page.getByRole('region', { name, exact: true });
  }
}

/** A live chart (Loss components, Accuracy): recharts lines, ticks, dots and its point counter. */
export class ChartPanel extends Panel {
  /** Every recharts line group, or those of one series (`series-<key>` class). */
  lines(key?: string): Locator {
    return this.root.locator(key ? `.recharts-line.series-${key}` : '.recharts-line');
  }

  /** The drawn paths of every line, or of one series (raw and smoothed). */
  curves(key?: string): Locator {
    return this.lines(key).locator('path.recharts-curve');
  }

  /** The step axis's tick labels as shown. */
  stepTicks(): Promise<string[]> {
    return this.root
      .locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value')
      .allTextContents();
  }

  /** The number of point marks of each marked line (markedCurve.tsx draws them in `.series-marks`). */
  async dotsPerLine(): Promise<number[]> {
    const lines = this.root.locator('.recharts-line');
    const n = await lines.count();
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await lines.nth(i).locator('.series-marks circle').count());
    return out.filter((c) => c > 0);
  }

  /** Logged points the chart holds (its header counter). */
  async points(): Promise<number> {
    return Number(await this.page.getByTestId(`${this.name}-points`).getAttribute('data-points'));
  }

  /** The legend entry of a series. */
  legendEntry(label: string): Locator {
    return this.root.locator('.chart-legend li', { hasText: label });
  }
}

/** The Masks panel: one canvas per probe pair. */
export class MasksPanel extends Panel {
  constructor(page: Page) {
    super(page, 'Masks');
  }

  /** The mask canvases ("Mask 1" …). */
  images(): Locator {
    return this.root.getByRole('img', { name: /^Mask \d$/ });
  }
}

/** The Mixer bundles panel: the stored bundles and one bundle's entry. */
export class MixerBundlesPanel extends Panel {
  constructor(page: Page) {
    super(page, 'Mixer bundles');
  }

  stored(): Locator {
    return this.root.getByRole('list', { name: 'Stored Mixer bundles' });
  }

  entry(name: string): Locator {
    return this.stored()
      .getByRole('listitem')
      .filter({ has: this.page.getByText(name, { exact: true }) });
  }
}
