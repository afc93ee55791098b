/**
 * Page object for the playground: locators by accessible name, one object per panel (panels.ts), and
 * a console/page-error collector.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { ChartPanel, MasksPanel, MixerBundlesPanel, Panel } from './panels';

export class Playground {
  readonly status: Locator;
  readonly step: Locator;
  readonly state: Locator;
  readonly backend: Locator;
  readonly errors: string[] = [];
  readonly loss: ChartPanel;
  readonly accuracy: ChartPanel;
  readonly masks: MasksPanel;
  readonly mixerBundles: MixerBundlesPanel;
  readonly diagnostics: Panel;
  readonly compare: Panel;
  readonly datasets: Panel;
  readonly savedRuns: Panel;
  readonly runControls: Panel;

  constructor(readonly page: Page) {
    this.loss = new ChartPanel(page, 'Loss components');
    this.accuracy = new ChartPanel(page, 'Accuracy');
    this.masks = new MasksPanel(page);
    this.mixerBundles = new MixerBundlesPanel(page);
    this.diagnostics = new Panel(page, 'Mixup diagnostics');
    this.compare = new Panel(page, 'Compare');
    this.datasets = new Panel(page, 'Datasets');
    this.savedRuns = new Panel(page, 'Saved runs');
    this.runControls = new Panel(page, 'Run controls');
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

  /** Any panel by its region name. */
  panel(name: string): Panel {
    return new Panel(this.page, name);
  }

  /** Any live chart by its title (e.g. the compare overlay "Compared test accuracy"). */
  chart(title: string): ChartPanel {
    return new ChartPanel(this.page, title);
  }
}
