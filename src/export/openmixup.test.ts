import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExportOpenmixup, type CliIo } from '../cli/exportOpenmixup';
import {
  ConfigError,
  DEFAULT_ALPHA,
  DEFAULT_CONFIG,
  METHOD_NAMES,
  parseConfig,
  type RunConfig,
} from '../core/config';
import { toOpenMixupConfig, type OpenMixupMeta } from './openmixup';

const dir = mkdtempSync(join(tmpdir(), 'openmixup-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function writePy(python: string): string {
  const path = join(dir, `cfg${fileNo++}.py`);
  writeFileSync(path, python);
  return path;
}

/** Parses the file with Python's own parser (throws with Python's message on a syntax error). */
function pyParse(python: string): void {
  const path = writePy(python);
  execFileSync('python3', ['-c', 'import ast,sys; ast.parse(open(sys.argv[1]).read())', path], {
    stdio: 'pipe',
  });
}

/** A value read back from Python: JSON data, loosely typed for property access in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Py = any;

/** Executes the config as Python (it only uses dict/list literals) and returns its top-level names. */
function pyExec(python: string): Record<string, Py> {
  const path = writePy(python);
  const script =
    'import json,sys\nns={}\nexec(open(sys.argv[1]).read(), ns)\n' +
    'print(json.dumps({k: v for k, v in ns.items() if not k.startswith("__")}))';
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as Record<
    string,
    Py
  >;
}

const cfg = (over: Partial<RunConfig>): RunConfig => ({ ...DEFAULT_CONFIG, ...over });
const exportOf = (over: Partial<RunConfig>, meta?: OpenMixupMeta) => toOpenMixupConfig(cfg(over), meta);

describe('toOpenMixupConfig — every method gives valid Python', () => {
  for (const method of METHOD_NAMES) {
    it(`${method}: parses, executes and names the right OpenMixup model`, () => {
      const { python, command } = exportOf({ method, dataset: 'cifar10' });
      pyParse(python);
      const ns = pyExec(python);
      const learned = method === 'samix' || method === 'automix';
      expect(ns.model.type).toBe(learned ? 'AutoMixup' : 'MixUpClassification');
      expect(ns.model.alpha).toBe(DEFAULT_ALPHA[method]);
      if (!learned) expect(ns.model.mix_mode).toBe(method === 'erm' ? 'vanilla' : method);
      if (method === 'manifoldmix') expect(ns.model.backbone.type).toBe('ResNet_Mix_CIFAR');
      expect(command).toEqual([
        'python tools/train.py config.py --seed 1',
        'bash tools/dist_train.sh config.py 1 --seed 1',
      ]);
    });
  }

  it('parses for every dataset, including the ones with no OpenMixup equivalent', () => {
    for (const dataset of ['shapes', 'mnist', 'fashion-mnist', 'folder', 'idx'] as const) {
      pyParse(exportOf({ dataset }).python);
    }
  });
});

describe('toOpenMixupConfig — mapped fields hold the run values', () => {
  const run = cfg({
    method: 'samix',
    dataset: 'cifar10',
    alpha: 1.7,
    eta: 0.35,
    etaMode: 'codeFaithful',
    maskMargin: 0.12,
    maskLossWeight: 0.07,
    lamMulK: 0.5,
    lamMargin: 0.06,
    maskAdjust: 0.25,
    mixerStage: 2,
    emaBase: 0.98,
    emaEnd: 0.9995,
    emaWarmupFrac: 0.2,
    lr: 0.05,
    mixerOptimizer: 'sgd',
    mixerLr: 0.02,
    mixerLrMin: 0.0005,
    weightDecay: 0.0003,
    batch: 50,
    steps: 3000,
    evalEvery: 2000,
    width: 8,
  });
  const { python, unmapped } = toOpenMixupConfig(run);
  const ns = pyExec(python);

  it('model, Mixer, heads and EMA hook (read back by executing the file)', () => {
    const m = ns.model;
    expect(m).toMatchObject({ alpha: 1.7, momentum: 0.98, mask_layer: 1, mask_loss: 0.07 });
    expect(m).toMatchObject({ mask_adjust: 0.25, lam_margin: 0.06 });
    expect(m.mix_block).toMatchObject({
      type: 'PixelMixBlock',
      in_channels: 16,
      lam_mul: true,
      lam_residual: true,
      lam_mul_k: 0.5,
      x_qk_concat: true,
      mask_loss_mode: 'L1+Variance',
      mask_loss_margin: 0.12,
      unsampling_mode: ['bilinear'],
      mask_mode: 'none_v_',
    });
    expect(m.mix_block.value_neck_cfg).toMatchObject({ type: 'ConvNeck', in_channels: 16, hid_channels: 8 });
    expect(m.backbone).toMatchObject({
      type: 'ResNet_CIFAR',
      depth: 18,
      base_channels: 8,
      out_indices: [1, 3],
    });
    expect(m.head_mix_k.neg_weight).toBe(0.35);
    expect(m.head_one.in_channels).toBe(64);
    const hook = ns.custom_hooks.find((h: { type: string }) => h.type === 'CosineScheduleHook');
    expect(hook).toMatchObject({ end_momentum: 0.9995, adjust_scope: [0.2, 1.0], warming_up: 'constant' });
  });

  it('a Mixer trained with Adam exports the reference SGD rate and says so', () => {
    const adam = toOpenMixupConfig(parseConfig({ method: 'samix', mixerOptimizer: 'adam', mixerLr: 0 }));
    expect(pyExec(adam.python).optimizer.paramwise_options).toEqual({ mix_block: { lr: 0.1 } });
    expect(adam.unmapped.join('\n')).toMatch(/mixerOptimizer=adam \(lr 0\.001\).*SGD with lr 0\.1/);
    expect(unmapped.join('\n')).not.toMatch(/mixerOptimizer/);
  });

  it('optimiser, schedules, runner and data', () => {
    expect(ns.optimizer).toMatchObject({ type: 'SGD', lr: 0.05, momentum: 0.9, weight_decay: 0.0003 });
    expect(ns.optimizer.paramwise_options).toEqual({ mix_block: { lr: 0.02 } });
    expect(ns.lr_config).toEqual({ policy: 'CosineAnnealing', min_lr: 0, by_epoch: false });
    expect(ns.addtional_scheduler).toMatchObject({ min_lr: 0.0005, paramwise_options: ['mix_block'] });
    expect(ns.runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 3 }); // 3000 × 50 / 50000
    expect(ns.data.samples_per_gpu).toBe(50);
    expect(ns.data.imgs_per_gpu).toBe(50);
    expect(ns.evaluation.interval).toBe(2); // 2000 steps × 50 / 50000
    expect(ns.data_source_cfg).toEqual({ type: 'CIFAR10', root: 'data/cifar10/' });
  });

  it('the values also appear as plain key=value text', () => {
    const value = (key: string): number => Number(new RegExp(`\\b${key}=([-0-9.e]+)`).exec(python)?.[1]);
    expect(value('alpha')).toBe(1.7);
    expect(value('neg_weight')).toBe(0.35);
    expect(value('mask_loss_margin')).toBe(0.12);
    expect(value('mask_loss')).toBe(0.07);
    expect(value('lam_mul_k')).toBe(0.5);
    expect(value('lam_margin')).toBe(0.06);
    expect(value('mask_layer')).toBe(1);
    expect(value('end_momentum')).toBe(0.9995);
    expect(value('max_epochs')).toBe(3);
    expect(value('samples_per_gpu')).toBe(50);
    expect(Number(/optimizer = dict\(type='SGD', lr=([0-9.e-]+)/.exec(python)?.[1])).toBe(0.05);
  });

  it('lists what has no equivalent, and not the code-faithful objective', () => {
    expect(unmapped.some((u) => u.includes('widths 8/16/32/64'))).toBe(true);
    expect(unmapped.some((u) => u.startsWith('maskAdjust=0.25'))).toBe(true);
    expect(unmapped.some((u) => u.includes('etaMode'))).toBe(false);
    expect(unmapped.some((u) => u.startsWith('testSize=1000'))).toBe(true);
  });

  it("names the supervised SAMix Mixer's browser options when on, and only for supervised SAMix", () => {
    const notes = (over: Partial<RunConfig>) =>
      exportOf(over).unmapped.filter((u) => /^(mixerLocal|maskFit):/.test(u));
    expect(notes({ method: 'samix', mixerLocal: true, maskFit: true }).length).toBe(2);
    expect(notes({ method: 'samix', mixerLocal: false, maskFit: true })).toEqual([
      expect.stringMatching(/^maskFit: .*mask_adjust/),
    ]);
    expect(notes({ method: 'automix', mixerLocal: true, maskFit: true })).toEqual([]); // the reference AutoMix
    expect(notes({ method: 'samix', mixerLocal: false, maskFit: false })).toEqual([]);
    expect(notes({ method: 'mixup', mixerLocal: true, maskFit: true })).toEqual([]);
  });

  it('writes the unmapped list, the commands and the source config as comments', () => {
    for (const u of unmapped) expect(python).toContain(`#   - ${u}`);
    expect(python).toContain('#   python tools/train.py config.py --seed 1');
    const json = python
      .split('\n')
      .filter((l) => l.startsWith('#   ') && !l.startsWith('#   - ') && !/tools\//.test(l))
      .map((l) => l.slice(4))
      .join('\n');
    expect(JSON.parse(json)).toEqual(run);
  });
});

describe('toOpenMixupConfig — other mappings', () => {
  it('AutoMix uses the v1 Mixer: nearest upsampling, no λ input, L1 mask loss', () => {
    const m = pyExec(exportOf({ method: 'automix', dataset: 'cifar10' }).python).model;
    expect(m.mix_block).toMatchObject({ unsampling_mode: ['nearest'], lam_mul: false, lam_mul_k: -1 });
    expect(m.mix_block).toMatchObject({ value_neck_cfg: null, x_qk_concat: false, mask_loss_mode: 'L1' });
  });

  it('η: decoupled is unmapped; rest with η = 1 equals the plain mixup CE and maps', () => {
    const note = (over: Partial<RunConfig>) => exportOf(over).unmapped.some((u) => u.includes('etaMode'));
    expect(note({ etaMode: 'decoupled', eta: 0.5 })).toBe(true);
    expect(note({ etaMode: 'fullCE', eta: 1 })).toBe(true);
    expect(note({ etaMode: 'rest', eta: 1 })).toBe(false);
    expect(note({ etaMode: 'rest', eta: 0.5 })).toBe(true);
    expect(note({ method: 'mixup', etaMode: 'decoupled' })).toBe(false); // no Mixer, nothing to map
  });

  it('MNIST: one input channel, the MNIST source, crop 28 without flips', () => {
    const ns = pyExec(exportOf({ method: 'fmix', dataset: 'mnist' }).python);
    expect(ns.model.backbone.in_channels).toBe(1);
    expect(ns.model.mix_args.fmix.size).toEqual([28, 28]);
    expect(ns.data_source_cfg.type).toBe('MNIST');
    const types = ns.train_pipeline.map((p: { type: string }) => p.type);
    expect(types).toEqual(['RandomCrop', 'ToTensor', 'Normalize']);
    expect(ns.train_pipeline[0].size).toBe(28);
  });

  it('shapes has no OpenMixup dataset: an ImageList source, listed as unmapped', () => {
    const out = exportOf({ dataset: 'shapes', augment: false });
    expect(out.unmapped.some((u) => u.startsWith('dataset shapes'))).toBe(true);
    const ns = pyExec(out.python);
    expect(ns.data_source_cfg.type).toBe('ImageList');
    expect(ns.data.train.data_source.list_file).toBe('data/shapes/meta/train.txt');
  });

  it('folder data: unknown size asks for train_size; a given size computes the epochs', () => {
    const unknown = exportOf({ dataset: 'folder', steps: 1000, batch: 64 });
    expect(unknown.python).toContain('train_size = None');
    expect(unknown.unmapped.some((u) => u.includes('unknown'))).toBe(true);
    const known = pyExec(
      exportOf({ dataset: 'folder', steps: 1000, batch: 64 }, { datasetSize: { train: 3200 } }).python,
    );
    expect(known.runner.max_epochs).toBe(20);
  });

  it('several GPUs split the batch; an uneven split is reported', () => {
    const four = exportOf({ batch: 64 }, { gpus: 4, configPath: 'configs/run.py' });
    expect(pyExec(four.python).data.imgs_per_gpu).toBe(16);
    expect(four.command[1]).toBe('bash tools/dist_train.sh configs/run.py 4 --seed 1');
    expect(exportOf({ batch: 50 }, { gpus: 4 }).unmapped.some((u) => u.includes('not divisible'))).toBe(true);
  });

  it('is deterministic and rejects an invalid configuration naming the field', () => {
    expect(exportOf({}).python).toBe(exportOf({}).python);
    expect(() => exportOf({ lr: 20 })).toThrow(ConfigError);
    expect(() => exportOf({ lr: 20 })).toThrow(/lr must be/);
  });
});

describe('export-openmixup command', () => {
  const capture = (): CliIo & { out: string[]; err: string[] } => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, log: (l) => out.push(l), error: (l) => err.push(l) };
  };

  it('writes the config and prints the command lines', () => {
    const runJson = join(dir, 'run.json');
    const outPy = join(dir, 'out.py');
    writeFileSync(runJson, JSON.stringify({ method: 'samix', dataset: 'cifar10', steps: 500 }));
    const io = capture();
    expect(runExportOpenmixup(['--config', runJson, '--out', outPy, '--gpus', '2'], io)).toBe(0);
    expect(io.out).toContain(`  bash tools/dist_train.sh ${outPy} 2 --seed 1`);
    pyParse(readFileSync(outPy, 'utf8'));
  });

  it('exits 2 with one line naming the field, range and value', () => {
    const runJson = join(dir, 'bad.json');
    writeFileSync(runJson, JSON.stringify({ method: 'samix', maskMargin: 0.9 }));
    const io = capture();
    expect(runExportOpenmixup(['--config', runJson, '--out', join(dir, 'x.py')], io)).toBe(2);
    expect(io.err).toHaveLength(1);
    expect(io.err[0]).toMatch(/maskMargin must be a number in \[0, 0\.5\]; got 0\.9/);
    expect(runExportOpenmixup(['--config', runJson, '--gpus', 'two'], capture())).toBe(2);
  });

  it('the script itself exits with code 2 on a bad value', () => {
    const runJson = join(dir, 'bad2.json');
    writeFileSync(runJson, JSON.stringify({ lr: -1 }));
    const r = spawnSync(
      join(process.cwd(), 'node_modules/.bin/tsx'),
      ['src/cli/exportOpenmixup.ts', '--config', runJson, '--out', join(dir, 'y.py')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('lr must be');
  });
});

describe('export-openmixup: user text never becomes code', () => {
  it('escapes quotes, backslashes and line breaks in strings and comments', async () => {
    const { py, pyComment } = await import('./openmixupPy');
    expect(py("a'b\\c\nimport os")).toBe("'a\\'b\\\\c\\x0aimport os'");
    expect(pyComment('x.py\nimport os')).toBe('x.py\\nimport os');
    expect(pyComment('x.py\rimport os')).not.toMatch(/[\r\n]/);
  });

  it('refuses an --out path with a line break, and a --config with prototype keys, writing nothing', async () => {
    const { mkdtempSync, writeFileSync, existsSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'omx-'));
    const cfg = join(dir, 'run.json');
    writeFileSync(cfg, '{"method":"samix"}');
    const errors: string[] = [];
    const io = { log: () => undefined, error: (l: string) => errors.push(l) };
    expect(runExportOpenmixup(['--config', cfg, '--out', join(dir, 'c.py\nimport os')], io)).toBe(2);
    expect(errors.join('\n')).toMatch(/--out .*control characters/);
    const proto = join(dir, 'proto.json');
    writeFileSync(proto, '{"__proto__":{"scenario":"ssl"}}');
    expect(runExportOpenmixup(['--config', proto, '--out', join(dir, 'c.py')], io)).toBe(2);
    expect(errors.join('\n')).toMatch(/setting "__proto__" is not allowed/);
    expect(readdirSync(dir).sort()).toEqual(['proto.json', 'run.json']);
    expect(runExportOpenmixup(['--config', cfg, '--out', join(dir, 'c.py')], io)).toBe(0);
    expect(existsSync(join(dir, 'c.py'))).toBe(true);
    expect(runExportOpenmixup(['--help'], { log: (l) => errors.push(l), error: () => undefined })).toBe(0);
  });
});
