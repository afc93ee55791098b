import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './config';
import { headFlops, mixerFlops, resnetFlops, stepFlops } from './flops';

const CIFAR = { height: 32, width: 32, channels: 3, classes: 10 };

describe('FLOP counter', () => {
  it('counts ResNet-mini W=16 on 32×32 RGB: 32.3 MFLOP per image forward', () => {
    // stem 0.88 M; stage 1: 2 convs 16→16 at 32×32; stages 2–4: conv 3×3, conv 3×3, 1×1 projection
    const stem = 2 * 32 * 32 * 9 * 3 * 16;
    const stage1 = 2 * (2 * 32 * 32 * 9 * 16 * 16);
    const stageN = 2 * 256 * 9 * 16 * 32 + 2 * 256 * 9 * 32 * 32 + 2 * 256 * 16 * 32; // the same for stages 2–4
    expect(resnetFlops(CIFAR, 16)).toBe(stem + stage1 + 3 * stageN);
    expect(resnetFlops(CIFAR, 16)).toBe(32_342_016);
    expect(resnetFlops(CIFAR, 16, 3)).toBe(stem + stage1 + 2 * stageN);
    expect(headFlops(16, 10)).toBe(2 * 128 * 10);
  });

  it('counts the SAMix Mixer on stage 3 (8×8×64) and a step of each kind', () => {
    const hw = 64;
    const want = 2 * (2 * hw * 128 * 32) + 2 * hw * 64 * 32 + 2 * hw * 32 + 2 * hw * hw * 32 + 2 * hw * hw;
    expect(mixerFlops(CIFAR, 'samix', 16, 3)).toBe(want);
    const f = resnetFlops(CIFAR, 16) + headFlops(16, 10);
    const erm = stepFlops({ ...DEFAULT_CONFIG, method: 'erm' }, CIFAR);
    expect(erm.total).toBe(64 * 3 * f);
    const samix = stepFlops(DEFAULT_CONFIG, CIFAR);
    expect(samix.online).toBe(64 * 6 * f);
    expect(samix.momentum).toBe(64 * (resnetFlops(CIFAR, 16, 3) + 2 * f));
    expect(samix.mixer).toBe(64 * 4 * want);
    expect(stepFlops({ ...DEFAULT_CONFIG, method: 'cutmix', cleanCE: true }, CIFAR).total).toBe(
      2 * erm.total,
    );
  });
});
