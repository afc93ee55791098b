/**
 * Page object for the playground: locators by accessible name, and a console/page-error collector.
 */
import { expect, type Locator, type Page } from '@playwright/test';

export class Playground {
  readonly status: Locator;
  readonly step: Locator;
  readonly state: Locator;
  readonly backend: Locator;
  readonly errors: string[] = [];

  constructor(readonly page: Page) {
    this.status = page.getByRole('status', { name: 'Training status' });
    this.step = page.getByTestId('status-step');
    this.state = page.getByTestId('status-state');
    this.backend = page.getByTestId('status-backend');
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) this.errors.push(`HTTP ${r.status()} ${r.url()}`);
    });
  }

  async open(query: string, hash: string): Promise<void> {
    await this.page.goto(`/${query}${hash}`);
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  async stepCount(): Promise<number> {
    return Number(await this.step.textContent());
  }

  async waitForStep(atLeast: number, timeout = 120_000): Promise<number> {
    await expect.poll(() => this.stepCount(), { timeout }).toBeGreaterThanOrEqual(atLeast);
    return this.stepCount();
  }

  /** Opens the "Advanced" settings (the controls beyond method, dataset, η and α). */
  async openAdvanced(): Promise<void> {
    const details = this.page.getByTestId('advanced-settings');
    if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  }

  chartPoints(title: string): Promise<number> {
    return this.page
      .getByTestId(`${title}-points`)
      .getAttribute('data-points')
      .then((v) => Number(v));
  }
}
