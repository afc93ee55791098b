/**
 * How a run's dataset reaches OpenMixup (openmixup.ts): the data source, image size, channels,
 * classes and normalisation per dataset, and the config's pipelines, `data` and `evaluation`
 * sections. Pure TypeScript.
 */
import { DATASET_CATALOG } from '../data/catalog';
import type { DatasetName, RunConfig } from '../core/config';
import { NOTE } from './openmixupNotes';
import { pyList } from './openmixupPy';

/** What the run configuration alone does not say. */
export interface OpenMixupMeta {
  /** Training images of the dataset OpenMixup will read (default: the OpenMixup-side size, below). */
  datasetSize?: { train: number };
  /** Number of classes (default: the dataset catalog's). */
  classes?: number;
  /** GPUs the config is written for; the run's batch is split over them (default 1). */
  gpus?: number;
  /** Image side in pixels for `folder` / `idx` data (default 32). */
  imageSize?: number;
  /** Path of the config file in the command lines (default `config.py`). */
  configPath?: string;
}

/** How the run's dataset reaches OpenMixup. */
export interface DataMap {
  /** OpenMixup data source type; `ImageList` reads image files + "path label" list files. */
  type: string;
  size: number;
  channels: number;
  classes: number;
  /** Training images OpenMixup sees, or null when unknown. */
  trainSize: number | null;
  mean: number[];
  std: number[];
  flip: boolean;
}

const CIFAR_STATS = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };
const IMAGENET_STATS = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** OpenMixup-side facts per dataset (train sizes are those of OpenMixup's sources). */
const DATA: Record<DatasetName, Omit<DataMap, 'classes' | 'flip'>> = {
  cifar10: { type: 'CIFAR10', size: 32, channels: 3, trainSize: 50000, ...CIFAR_STATS },
  mnist: { type: 'MNIST', size: 28, channels: 1, trainSize: 60000, mean: [0.1307], std: [0.3081] },
  'fashion-mnist': { type: 'FMNIST', size: 28, channels: 1, trainSize: 60000, mean: [0.286], std: [0.353] },
  shapes: { type: 'ImageList', size: 32, channels: 3, trainSize: 5000, ...IMAGENET_STATS },
  folder: { type: 'ImageList', size: 32, channels: 3, trainSize: null, ...IMAGENET_STATS },
  idx: { type: 'ImageList', size: 32, channels: 3, trainSize: null, ...IMAGENET_STATS },
};

/** The run's dataset as OpenMixup sees it; notes what does not map in `unmapped`. */
export function dataMap(cfg: RunConfig, meta: OpenMixupMeta, unmapped: string[]): DataMap {
  const info = DATASET_CATALOG[cfg.dataset];
  const classes = meta.classes ?? info.classes?.length ?? null;
  if (classes === null) unmapped.push(NOTE.classes(cfg.dataset));
  const d: DataMap = { ...DATA[cfg.dataset], classes: classes ?? 10, flip: info.flip };
  if (meta.datasetSize) d.trainSize = meta.datasetSize.train;
  if (cfg.dataset === 'mnist' || cfg.dataset === 'shapes' || cfg.dataset === 'idx')
    unmapped.push(NOTE[cfg.dataset]);
  if (cfg.dataset === 'folder') {
    d.size = meta.imageSize ?? d.size;
    unmapped.push(NOTE.folder(d.size));
  }
  return d;
}

/** Pipelines, `img_norm_cfg`, `data` and `evaluation` sections. */
export function dataSection(cfg: RunConfig, d: DataMap, perGpu: number, evalEpochs: number): string {
  const list = d.type === 'ImageList';
  const dir = cfg.dataset.replace('-', '_');
  const sourceCfg = list ? `dict(type='ImageList')` : `dict(type='${d.type}', root='data/${dir}/')`;
  const source = (split: string): string =>
    list
      ? `dict(root='data/${dir}/', list_file='data/${dir}/meta/${split}.txt', **data_source_cfg)`
      : `dict(split='${split}', **data_source_cfg)`;
  const s = d.size;
  const pre = list ? [`dict(type='Resize', size=${s})`, `dict(type='CenterCrop', size=${s})`] : [];
  const aug = cfg.augment ? [`dict(type='RandomCrop', size=${s}, padding=4, padding_mode='reflect')`] : [];
  if (cfg.augment && d.flip) aug.push(`dict(type='RandomHorizontalFlip')`);
  const post = [`dict(type='ToTensor')`, `dict(type='Normalize', **img_norm_cfg)`];
  const pyItems = (xs: string[]): string => `[\n${xs.map((x) => `    ${x},`).join('\n')}\n]`;
  const topk = d.classes >= 5 ? '(1, 5)' : '(1,)';
  return `# dataset settings
data_source_cfg = ${sourceCfg}
dataset_type = 'ClassificationDataset'
# the playground normalises with statistics measured on the loaded training images
img_norm_cfg = dict(mean=${pyList(d.mean)}, std=${pyList(d.std)})
train_pipeline = ${pyItems([...pre, ...aug, ...post])}
test_pipeline = ${pyItems([...pre, ...post])}
prefetch = False
data = dict(
    imgs_per_gpu=${perGpu},  # per-GPU batch (OpenMixup's name)
    samples_per_gpu=${perGpu},  # same value under the mmcv name
    workers_per_gpu=4,
    train=dict(type=dataset_type, data_source=${source('train')}, pipeline=train_pipeline, prefetch=prefetch),
    val=dict(type=dataset_type, data_source=${source('test')}, pipeline=test_pipeline, prefetch=False),
)
evaluation = dict(initial=False, interval=${evalEpochs}, imgs_per_gpu=${perGpu}, workers_per_gpu=4, eval_param=dict(topk=${topk}))
`;
}
