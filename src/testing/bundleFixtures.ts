/**
 * A small, valid run bundle with a mask history (one probe pair of 4×4 RGB images, one frame), as zip
 * entries for tests to edit into bad documents (bundleSchema.test.ts, e2e/badInput.spec.ts).
 * Test-only: production code never imports this module.
 */
import { unzipSync } from 'fflate';
import { DEFAULT_CONFIG } from '../core/config';
import type { ProbeResult, StepMetrics } from '../core/trainerTypes';
import { buildRunBundle } from '../export/runBundle';
import type { MaskFrame } from '../export/maskHistory';
import { probePair } from './fixtures';

export function onePairBundleFiles(metrics: StepMetrics[] = []): Record<string, Uint8Array> {
  const frame: MaskFrame = {
    step: 2,
    pairKey: '0-1',
    masks: [new Uint8Array(16)],
    mixed: [new Uint8Array(48)],
    lamEff: [0.5],
    objectKeptA: [0.8],
    objectKeptB: [0.4],
  };
  const probe: ProbeResult = {
    step: 2,
    width: 4,
    height: 4,
    channels: 3,
    pairs: [probePair(4, 3, 0.5, { objectKeptA: 0.8, objectKeptB: 0.4 })],
  };
  const zip = buildRunBundle({
    config: { ...DEFAULT_CONFIG, steps: 2 },
    metrics,
    evals: [{ step: 2, testAccQ: 0.3, testAccK: 0.25, objectKept: 1.2 }],
    history: { frames: [frame], images: new Map([['0-1', probe]]) },
    media: false,
  });
  return unzipSync(zip);
}
