/**
 * Export of a run configuration as an OpenMixup config file (Westlake-AI/openmixup, the reference
 * implementation of SAMix; docs/method.md), so a browser experiment can be
 * re-run at scale: `AutoMixup` + `PixelMixBlock` for AutoMix/SAMix, `MixUpClassification` for the
 * hand-crafted baselines. Every setting of the run either lands in an OpenMixup field or is listed
 * in `unmapped` (also written as a comment block at the top of the file). The file is
 * self-contained (no `_base_` includes) so it runs from any folder. Output is deterministic.
 * Pure TypeScript (no DOM, no TF.js).
 *
 * Parts: the dataset mapping and data sections (openmixupData.ts), the `model` section
 * (openmixupModel.ts), the `unmapped` sentences (openmixupNotes.ts), Python literals (openmixupPy.ts).
 */
import {
  DEFAULT_MIXER_LR,
  FIELD_RULES,
  effectiveMixerLr,
  mixerSwitches,
  parseConfig,
  type RunConfig,
} from '../core/config';
import { dataMap, dataSection, type OpenMixupMeta } from './openmixupData';

export type { OpenMixupMeta } from './openmixupData';
import { baselineModel, learnedModel } from './openmixupModel';
import { NOTE } from './openmixupNotes';
import { py, pyComment } from './openmixupPy';

export interface OpenMixupExport {
  /** The config file. */
  python: string;
  /** Train command lines: single GPU, then distributed. */
  command: string[];
  /** Settings with no exact OpenMixup equivalent, one sentence each. */
  unmapped: string[];
}

/** SGD momentum of both of the playground's optimisers (docs/method.md). */
const SGD_MOMENTUM = 0.9;

/** Whether the η-balanced Mixer objective of this run is what OpenMixup's `head_mix_k` computes. */
function etaMapped(cfg: RunConfig): boolean {
  // ℓ_local + ℓ_rest is exactly the plain mixup CE (docs/method.md), so rest with η = 1 maps too
  return cfg.etaMode === 'codeFaithful' || (cfg.etaMode === 'rest' && cfg.eta === 1);
}

/**
 * Builds the OpenMixup config of a run.
 * @param cfg the run configuration (validated again here; a ConfigError names bad fields)
 * @param meta what the configuration does not say: dataset size, classes, GPUs, file path
 */
export function toOpenMixupConfig(cfgIn: RunConfig, meta: OpenMixupMeta = {}): OpenMixupExport {
  const cfg = parseConfig({ ...cfgIn });
  const unmapped: string[] = [];
  const learned = cfg.method === 'automix' || cfg.method === 'samix';
  const widths = [1, 2, 4, 8].map((f) => f * cfg.width);
  const gpus = Math.max(1, Math.floor(meta.gpus ?? 1));
  // The file path reaches the header comment and the printed command lines: no raw line breaks.
  const path = pyComment(meta.configPath ?? 'config.py');
  unmapped.push(NOTE.backbone(widths));
  const d = dataMap(cfg, meta, unmapped);
  const perGpu = cfg.batch % gpus === 0 ? cfg.batch / gpus : cfg.batch;
  if (cfg.batch % gpus !== 0) unmapped.push(NOTE.batchSplit(cfg.batch, gpus));
  if (gpus > 1) unmapped.push(NOTE.bnPerGpu(perGpu));
  if (cfg.trainSize > 0) unmapped.push(NOTE.trainSize(cfg.trainSize));
  if (cfg.testSize > 0) unmapped.push(NOTE.testSize(cfg.testSize));
  const trainN = cfg.trainSize > 0 ? cfg.trainSize : d.trainSize;
  const globalBatch = perGpu * gpus;
  let epochs = `max(1, round(${cfg.steps * cfg.batch} / train_size))`;
  let evalEpochs = 1;
  if (trainN === null) unmapped.push(NOTE.unknownSize(cfg.dataset));
  else {
    const e = Math.max(1, Math.round((cfg.steps * cfg.batch) / trainN)); // nearest whole epoch
    const iters = e * Math.ceil(trainN / globalBatch);
    if (iters !== cfg.steps) unmapped.push(NOTE.epochs(cfg.steps, e, iters));
    evalEpochs = Math.max(1, Math.round((cfg.evalEvery * cfg.batch) / trainN));
    epochs = String(e);
  }
  unmapped.push(NOTE.evalEvery(cfg.evalEvery, evalEpochs));
  if (learned && !etaMapped(cfg)) unmapped.push(NOTE.eta(cfg.etaMode, cfg.eta));
  if (learned && cfg.maskAdjust > 0) unmapped.push(NOTE.maskAdjust(cfg.maskAdjust));
  const switches = mixerSwitches(cfg);
  if (switches.local) unmapped.push(NOTE.mixerLocal);
  if (switches.fit) unmapped.push(NOTE.maskFit);
  if (!learned && cfg.cleanCE) unmapped.push(NOTE.cleanCE);
  if (cfg.method === 'saliencymix' || cfg.method === 'puzzlemix') unmapped.push(NOTE[cfg.method]);
  unmapped.push(NOTE.seed(cfg.seed));
  const command = [
    `python tools/train.py ${path} --seed ${cfg.seed}`,
    `bash tools/dist_train.sh ${path} ${gpus} --seed ${cfg.seed}`,
  ];
  const model = learned ? learnedModel(cfg, d, widths, unmapped) : baselineModel(cfg, d, widths);
  const ordered = Object.fromEntries(Object.keys(FIELD_RULES).map((k) => [k, cfg[k as keyof RunConfig]]));
  const header = [
    '# OpenMixup config exported by SAMix Playground (https://github.com/Westlake-AI/openmixup).',
    `# Method ${cfg.method} on ${cfg.dataset}; written for ${gpus} GPU(s), global batch ${globalBatch}.`,
    '# Train:',
    ...command.map((c) => `#   ${c}`),
    '#',
    '# Settings without an exact OpenMixup equivalent:',
    ...unmapped.map((u) => `#   - ${u}`),
    '#',
    '# Source run configuration (playground JSON):',
    ...JSON.stringify(ordered, null, 2)
      .split('\n')
      .map((line) => `#   ${line}`),
  ].join('\n');
  // OpenMixup's mix_block shares the backbone's SGD (paramwise options change its lr, not its type).
  const mixerLr = cfg.mixerOptimizer === 'sgd' ? effectiveMixerLr(cfg) : DEFAULT_MIXER_LR.sgd;
  if (learned && cfg.mixerOptimizer !== 'sgd') unmapped.push(NOTE.mixerAdam(effectiveMixerLr(cfg), mixerLr));
  const mixerOpt = learned
    ? `,\n                 paramwise_options={'mix_block': dict(lr=${py(mixerLr)})}`
    : '';
  const mixerSched = learned
    ? `# the Mixer's own cosine schedule (its lr is set by paramwise_options above)
addtional_scheduler = dict(policy='CosineAnnealing', min_lr=${py(cfg.mixerLrMin)}, by_epoch=False, paramwise_options=['mix_block'])
`
    : '';
  const python = `${header}

${model}
${dataSection(cfg, d, perGpu, evalEpochs)}
# optimizer
optimizer = dict(type='SGD', lr=${py(cfg.lr)}, momentum=${SGD_MOMENTUM}, weight_decay=${py(cfg.weightDecay)}${mixerOpt})
optimizer_config = dict(grad_clip=None)

# learning policy: cosine to 0 per iteration, as in the playground (OpenMixup's SAMix configs keep min_lr=0.05)
lr_config = dict(policy='CosineAnnealing', min_lr=0., by_epoch=False)
${mixerSched}
# runtime settings${trainN === null ? '\ntrain_size = None  # FILL IN: number of training images' : ''}
runner = dict(type='EpochBasedRunner', max_epochs=${epochs})
checkpoint_config = dict(interval=${trainN === null ? 1 : epochs}, max_keep_ckpts=1)
log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook')])
sampler = 'DistributedSampler'
dist_params = dict(backend='nccl')
cudnn_benchmark = True
log_level = 'INFO'
load_from = None
resume_from = None
workflow = [('train', 1)]
persistent_workers = True
use_fp16 = False
find_unused_parameters = False
opencv_num_threads = 0
mp_start_method = 'fork'
`;
  return { python, command, unmapped };
}
