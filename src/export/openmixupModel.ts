/**
 * The `model` section of the OpenMixup config export (openmixup.ts): `AutoMixup` with a
 * `PixelMixBlock` Mixer for AutoMix / SAMix, `MixUpClassification` for the hand-crafted baselines.
 * Pure TypeScript.
 */
import {
  effectiveAlpha,
  effectiveMaskLossMode,
  effectiveMaskLossWeight,
  type RunConfig,
} from '../core/config';
import type { DataMap } from './openmixupData';
import { NOTE } from './openmixupNotes';
import { py } from './openmixupPy';

/** The `model` (and `conv1x1` value net) of AutoMix / SAMix. */
export function learnedModel(cfg: RunConfig, d: DataMap, widths: number[], unmapped: string[]): string {
  const samix = cfg.method === 'samix';
  const l = cfg.mixerStage - 1;
  const c = widths[l];
  const outIdx = l < 3 ? `(${l}, 3)` : '(3,)';
  const maskMode = effectiveMaskLossMode(cfg) === 'l1' ? 'L1' : 'L1+Variance';
  const lossCfg = (soft: boolean): string =>
    `loss=dict(type='CrossEntropyLoss', use_soft=${py(soft)}, use_sigmoid=False, loss_weight=1.0)`;
  const head = (type: string, soft: boolean, extra = ''): string =>
    `dict(type='${type}', ${lossCfg(soft)}, with_avg_pool=True, multi_label=${py(soft)},${extra} in_channels=${widths[3]}, num_classes=${d.classes})`;
  if (d.size % 2 ** l !== 0) unmapped.push(NOTE.upsample(cfg.mixerStage, 2 ** l, d.size));
  const valueNet = samix
    ? `# Mixer value net (SAMix): 1x1 conv C -> C/2, BN, ELU, 1x1 conv C/2 -> 1
conv1x1 = dict(
    type='ConvNeck', in_channels=${c}, hid_channels=${Math.max(1, Math.floor(c / 2))}, out_channels=1,
    num_layers=2, kernel_size=1, with_last_norm=False, norm_cfg=dict(type='BN'),
    with_last_dropout=0, with_avg_pool=False, with_residual=False)

`
    : '';
  const mixBlock = samix
    ? `lam_concat=False, lam_concat_v=False,
        lam_mul=True, lam_residual=True, lam_mul_k=${py(cfg.lamMulK)},  # lambda encoding (1 + f_k(lam)), (2 - f_k(lam))
        value_neck_cfg=conv1x1, x_qk_concat=True, x_v_concat=False,`
    : `lam_concat=False, lam_concat_v=False,
        lam_mul=False, lam_residual=False, lam_mul_k=-1,  # AutoMix: no lambda input
        value_neck_cfg=None, x_qk_concat=False, x_v_concat=False,`;
  return `${valueNet}# model settings
model = dict(
    type='AutoMixup',
    pretrained=None,
    alpha=${py(effectiveAlpha(cfg))},  # Beta(alpha, alpha) for lam_mb and lam_bb
    momentum=${py(cfg.emaBase)},  # EMA momentum at the start; CosineScheduleHook raises it
    mask_layer=${l},  # Mixer reads stage ${cfg.mixerStage} (0-based index)
    mask_loss=${py(effectiveMaskLossWeight(cfg))},  # weight of the mask loss
    mask_adjust=${py(cfg.maskAdjust)},  # probability of re-normalising the backbone mask mean to lam
    lam_margin=${py(cfg.lamMargin)},  # plain Mixup for the backbone when lam or 1-lam <= lam_margin
    mask_up_override=None,
    debug=False,
    backbone=dict(
        type='ResNet_CIFAR', depth=18, num_stages=4, in_channels=${d.channels},
        stem_channels=${widths[0]}, base_channels=${widths[0]},  # stage widths ${widths.join('/')}
        out_indices=${outIdx}, style='pytorch'),
    mix_block=dict(
        type='PixelMixBlock',
        in_channels=${c}, reduction=2, use_scale=True, double_norm=False,
        attention_mode='embedded_gaussian',
        unsampling_mode=['${samix ? 'bilinear' : 'nearest'}'],
        ${mixBlock}
        mask_loss_mode='${maskMode}', mask_loss_margin=${py(cfg.maskMargin)},
        # m = P . v(Z[sigma]) is the weight of the shuffled image, as in the playground
        mask_mode='none_v_',
        frozen=False),
    head_one=${head('ClsHead', false)},
    head_mix=${head('ClsMixupHead', false)},
    # Mixer objective. neg_weight = eta: with the softmax soft CE below it is a no-op (docs/method.md);
    # it only weights the negative classes with use_sigmoid=True (BCE)
    head_mix_k=${head('ClsMixupHead', true, ` neg_weight=${py(cfg.eta)},`)},
    head_weights=dict(head_mix_q=1, head_one_q=1, head_mix_k=1, head_one_k=1),
)

custom_hooks = [
    # EMA momentum: constant until adjust_scope[0] of the iterations, then cosine to end_momentum
    dict(type='CosineScheduleHook', end_momentum=${py(cfg.emaEnd)}, adjust_scope=[${py(cfg.emaWarmupFrac)}, 1.0],
         warming_up='constant', interval=1),
]
`;
}

/** The `model` of a hand-crafted baseline. */
export function baselineModel(cfg: RunConfig, d: DataMap, widths: number[]): string {
  const mode = cfg.method === 'erm' ? 'vanilla' : cfg.method;
  const args: Record<string, string> = {
    fmix: `fmix=dict(decay_power=3, size=(${d.size}, ${d.size}), max_soft=0., reformulate=False)`,
    manifoldmix: 'manifoldmix=dict(layer=(0, 3))',
    puzzlemix: `puzzlemix=dict(transport=True, t_batch_size=None, t_size=4, block_num=5, beta=1.2,
            gamma=0.5, eta=0.2, neigh_size=4, n_labels=3, t_eps=0.8)`,
    resizemix: 'resizemix=dict(scope=(0.1, 0.8), use_alpha=True)',
  };
  const head =
    cfg.method === 'puzzlemix'
      ? `dict(type='ClsMixupHead', loss=dict(type='CrossEntropyLoss', use_soft=True, use_sigmoid=False, loss_weight=1.0),
        with_avg_pool=True, multi_label=True, two_hot=False, in_channels=${widths[3]}, num_classes=${d.classes})`
      : `dict(type='ClsHead', loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        with_avg_pool=True, multi_label=False, in_channels=${widths[3]}, num_classes=${d.classes})`;
  return `# model settings
model = dict(
    type='MixUpClassification',
    pretrained=None,
    alpha=${py(effectiveAlpha(cfg))},
    mix_mode='${mode}',
    mix_args=dict(${args[cfg.method] ? `\n        ${args[cfg.method]},\n    ` : ''}),
    backbone=dict(
        type='ResNet_Mix_CIFAR', depth=18, num_stages=4, in_channels=${d.channels},
        stem_channels=${widths[0]}, base_channels=${widths[0]},  # stage widths ${widths.join('/')}
        out_indices=(3,), style='pytorch'),
    head=${head},
)
`;
}
