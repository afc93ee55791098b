/**
 * The run bundle: one zip with everything a run produced, readable back into the app.
 *
 *   run.json        { format, version, config, meta, files }
 *   metrics.csv     one row per reported step (header METRICS_COLUMNS)
 *   metrics.json    the same StepMetrics, exact (non-finite numbers as "NaN" / "Infinity" strings)
 *   evals.csv       step,testAccQ,testAccK,objectKept (bundles before object kept: the first three)
 *   masks.gif       the mask history animated (when frames are given)
 *   masks.png       a sheet of up to 10 frames of the mask history (when frames are given)
 *   weights/<name>  opaque weight files (e.g. tf.io artifacts)
 *
 * Each mask-history frame is drawn as one row of tiles: for every probe pair, its mask m (gray,
 * white = weight of the shuffled image) and its mixed image. Reading checks the format version,
 * the required files and the configuration (validateConfig). Pure TypeScript (fflate for zip).
 */
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { validateConfig, type RunConfig } from '../core/config';
import { LOSS_KEYS, type EvalResult, type StepMetrics } from '../core/trainerTypes';
import type { MaskFrame } from './maskHistory';
import {
  bundleNumber as toNumber,
  checkEvals,
  checkHistoryJson,
  checkSteps,
  RunBundleError,
} from './bundleSchema';
import { decodeHistory, encodeHistory, type History } from './history';
import { encodeGif } from './gif';
import { encodePng, sheet, type RgbaImage } from './png';

/** Format version written by this code; bundles with a larger version are refused. */
export const RUN_BUNDLE_VERSION = 1;
export const RUN_BUNDLE_FORMAT = 'samix-run-bundle';
export const REQUIRED_FILES = ['run.json', 'metrics.csv', 'metrics.json', 'evals.csv'] as const;

/** Columns of metrics.csv and the StepMetrics value each one holds. */
const METRIC_FIELDS: Array<[string, (m: StepMetrics) => number]> = [
  ['step', (m) => m.step],
  ['epoch', (m) => m.epoch],
  ['lamMb', (m) => m.lamMb],
  ['lamBb', (m) => m.lamBb],
  ['maskMean', (m) => m.maskMean],
  ...LOSS_KEYS.map((k): [string, (m: StepMetrics) => number] => [k, (m) => m.loss[k]]),
  ['accTrain', (m) => m.acc.train],
  ['msPerStep', (m) => m.msPerStep],
];
export const METRICS_COLUMNS = METRIC_FIELDS.map(([name]) => name);
export const EVALS_COLUMNS = ['step', 'testAccQ', 'testAccK', 'objectKept'];
/** evals.csv of bundles written before the object-kept score (still read). */
const EVALS_COLUMNS_V0 = EVALS_COLUMNS.slice(0, 3);

/** Geometry of the probe images behind mask-history frames. */
export interface FrameShape {
  width: number;
  height: number;
  /** Channels of the mixed images (1 or 3). */
  channels: number;
}

export interface RunBundleInput {
  config: RunConfig;
  metrics: readonly StepMetrics[];
  evals: readonly EvalResult[];
  /** Free-form facts about the run (app version, backend, dataset, …); stored in run.json. */
  meta?: Record<string, unknown>;
  /** Mask history; masks.gif and masks.png are written when given and non-empty. */
  frames?: readonly MaskFrame[];
  /** Probe geometry; default: square masks, channels = mixed length / mask length. */
  frameShape?: FrameShape;
  weights?: ReadonlyArray<{ name: string; data: Uint8Array }>;
  /** Mask history and probe images, so the timeline can be reopened (history.json + history.bin). */
  history?: History;
  /** Write masks.gif / masks.png (default true; the in-browser run store skips them). */
  media?: boolean;
  /** Delay per GIF frame, ms (default 120). */
  gifDelayMs?: number;
}

export interface RunBundle {
  version: number;
  config: RunConfig;
  meta: Record<string, unknown>;
  metrics: StepMetrics[];
  evals: EvalResult[];
  weights: Array<{ name: string; data: Uint8Array }>;
  masksGif?: Uint8Array;
  masksPng?: Uint8Array;
  history?: History;
}

/** A bundle that cannot be written or read; the message names the file and what is wrong. */
export { RunBundleError };

/** Fixed zip timestamp, so the same run gives the same bytes. */
const ZIP_TIME = new Date(1980, 0, 1);
const MAX_GIF_FRAMES = 100;
const MAX_SHEET_ROWS = 10;
const TILE_GAP = 2;

const num = (v: number): string => String(v); // shortest exact form; NaN, Infinity stay readable
const jsonNumbers = (_key: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;

/** `count` indices spread evenly over [0, n), always including the first and the last. */
function spread(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.round((i * (n - 1)) / (count - 1)));
}

/** One frame as a row of tiles: for each probe pair its mask, then its mixed image; scaled up ×s. */
function frameRow(f: MaskFrame, shape: FrameShape): RgbaImage {
  const { width: w, height: h, channels: c } = shape;
  const s = Math.max(1, Math.floor(64 / Math.max(w, h)));
  const tile = (src: Uint8Array, ch: number): RgbaImage => {
    if (src.length !== w * h * ch)
      throw new RunBundleError(`frame at step ${f.step}: ${src.length} values, expected ${w * h * ch}`);
    const rgba = new Uint8Array(w * s * h * s * 4);
    for (let y = 0; y < h * s; y++)
      for (let x = 0; x < w * s; x++) {
        const p = (Math.floor(y / s) * w + Math.floor(x / s)) * ch;
        const o = (y * w * s + x) * 4;
        rgba[o] = src[p];
        rgba[o + 1] = src[p + (ch === 3 ? 1 : 0)];
        rgba[o + 2] = src[p + (ch === 3 ? 2 : 0)];
        rgba[o + 3] = 255;
      }
    return { rgba, width: w * s, height: h * s };
  };
  const tiles = f.masks.flatMap((m, k) => [tile(m, 1), tile(f.mixed[k], c)]);
  return sheet(tiles, tiles.length, TILE_GAP);
}

function inferShape(frames: readonly MaskFrame[]): FrameShape {
  const f = frames.find((x) => x.masks.length > 0);
  if (!f) throw new RunBundleError('mask history frames have no probe pairs');
  const side = Math.round(Math.sqrt(f.masks[0].length));
  if (side * side !== f.masks[0].length)
    throw new RunBundleError(`masks of ${f.masks[0].length} values are not square: pass frameShape`);
  return { width: side, height: side, channels: f.mixed[0].length / f.masks[0].length };
}

/** Builds the zip of a run (deterministic: same input, same bytes). */
export function buildRunBundle(input: RunBundleInput): Uint8Array {
  const { config, issues } = validateConfig({ ...input.config });
  if (issues.length > 0) throw new RunBundleError(`config: ${issues.map((i) => i.message).join('; ')}`);
  const files: Zippable = {};
  const metricsCsv = [METRICS_COLUMNS.join(',')];
  for (const m of input.metrics) metricsCsv.push(METRIC_FIELDS.map(([, get]) => num(get(m))).join(','));
  files['metrics.csv'] = strToU8(`${metricsCsv.join('\n')}\n`);
  files['metrics.json'] = strToU8(`${JSON.stringify(input.metrics, jsonNumbers)}\n`);
  const evalRows = input.evals.map((e) =>
    [e.step, e.testAccQ, e.testAccK, e.objectKept ?? NaN].map(num).join(','),
  );
  files['evals.csv'] = strToU8(`${[EVALS_COLUMNS.join(','), ...evalRows].join('\n')}\n`);
  const frames = (input.frames ?? []).filter((f) => f.masks.length > 0);
  if (input.history) {
    const { json, bin } = encodeHistory(input.history);
    files['history.json'] = strToU8(`${JSON.stringify(json, jsonNumbers)}\n`);
    files['history.bin'] = bin;
  }
  if (frames.length > 0 && input.media !== false) {
    const shape = input.frameShape ?? inferShape(frames);
    const gifFrames = spread(frames.length, MAX_GIF_FRAMES).map((i) => frameRow(frames[i], shape));
    files['masks.gif'] = [encodeGif(gifFrames, input.gifDelayMs ?? 120), { level: 0 }];
    const rows = spread(frames.length, MAX_SHEET_ROWS).map((i) => frameRow(frames[i], shape));
    const png = sheet(rows, 1, TILE_GAP * 2);
    files['masks.png'] = [encodePng(png.rgba, png.width, png.height), { level: 0 }];
  }
  for (const w of input.weights ?? []) {
    if (!/^[\w.-]+(\/[\w.-]+)*$/.test(w.name) || w.name.split('/').some((p) => p === '..' || p === '.'))
      throw new RunBundleError(`weights name "${w.name}" must be a relative path of letters, digits, . _ -`);
    files[`weights/${w.name}`] = w.data;
  }
  const run = {
    format: RUN_BUNDLE_FORMAT,
    version: RUN_BUNDLE_VERSION,
    config,
    meta: input.meta ?? {},
    files: ['run.json', ...Object.keys(files)].sort(),
  };
  files['run.json'] = strToU8(`${JSON.stringify(run, jsonNumbers, 2)}\n`);
  return zipSync(files, { level: 6, mtime: ZIP_TIME });
}

function parseCsv(text: string, file: string, columns: readonly string[]): number[][] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== columns.join(','))
    throw new RunBundleError(`${file}: header must be "${columns.join(',')}"; got "${lines[0] ?? ''}"`);
  return lines.slice(1).map((line, r) => {
    const cells = line.split(',');
    if (cells.length !== columns.length)
      throw new RunBundleError(`${file} line ${r + 2}: ${cells.length} values, expected ${columns.length}`);
    return cells.map((c, k) => toNumber(c, `${file} line ${r + 2} column ${columns[k]}`));
  });
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(strFromU8(bytes));
  } catch (err) {
    throw new RunBundleError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

function metricsFromJson(raw: unknown): StepMetrics[] {
  if (!Array.isArray(raw)) throw new RunBundleError('metrics.json: expected an array of step metrics');
  const metrics = raw.map((r: Record<string, unknown>, i) => {
    if (r === null || typeof r !== 'object')
      throw new RunBundleError(`metrics.json entry ${i}: expected an object; got ${JSON.stringify(r)}`);
    const at = (path: string): number => {
      const v = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r);
      return toNumber(v, `metrics.json entry ${i} field ${path}`);
    };
    const loss = Object.fromEntries(
      LOSS_KEYS.map((k) => [k, at(`loss.${k}`)]),
    ) as unknown as StepMetrics['loss'];
    return {
      step: at('step'),
      epoch: at('epoch'),
      lamMb: at('lamMb'),
      lamBb: at('lamBb'),
      maskMean: at('maskMean'),
      loss,
      acc: { train: at('acc.train') },
      msPerStep: at('msPerStep'),
    };
  });
  checkSteps(
    metrics.map((m) => m.step),
    'metrics.json',
  );
  return metrics;
}

function readHistory(json: Uint8Array, bin: Uint8Array): History {
  const raw = checkHistoryJson(parseJson(json, 'history.json'));
  try {
    return decodeHistory(raw, bin);
  } catch (e) {
    throw new RunBundleError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Reads a bundle written by `buildRunBundle` (this version or an older one).
 * @throws RunBundleError naming the version, the missing file or the bad configuration field
 */
export function readRunBundle(zipBytes: Uint8Array): RunBundle {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zipBytes);
  } catch (err) {
    throw new RunBundleError(`not a zip file (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!files['run.json']) throw new RunBundleError('run.json is missing: not a run bundle');
  const run = parseJson(files['run.json'], 'run.json') as Record<string, unknown>;
  if (run === null || typeof run !== 'object') throw new RunBundleError('run.json: expected an object');
  if (run.format !== undefined && run.format !== RUN_BUNDLE_FORMAT)
    throw new RunBundleError(`run.json: format "${String(run.format)}" is not "${RUN_BUNDLE_FORMAT}"`);
  const version = run.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new RunBundleError(`run.json: version must be a positive integer; got ${JSON.stringify(version)}`);
  if (version > RUN_BUNDLE_VERSION)
    throw new RunBundleError(
      `run bundle format version ${version} is newer than this app supports (version ${RUN_BUNDLE_VERSION}); update the app to open it`,
    );
  for (const f of REQUIRED_FILES) if (!files[f]) throw new RunBundleError(`${f} is missing from the bundle`);
  const rawConfig = run.config;
  if (rawConfig === null || typeof rawConfig !== 'object' || Array.isArray(rawConfig))
    throw new RunBundleError('run.json: config must be an object');
  const { config, issues } = validateConfig(rawConfig as Record<string, unknown>);
  if (issues.length > 0)
    throw new RunBundleError(`run.json config: ${issues.map((i) => i.message).join('; ')}`);
  parseCsv(strFromU8(files['metrics.csv']), 'metrics.csv', METRICS_COLUMNS);
  const evalsText = strFromU8(files['evals.csv']);
  const old = evalsText.split(/\r?\n/, 1)[0] === EVALS_COLUMNS_V0.join(',');
  const evals = checkEvals(
    parseCsv(evalsText, 'evals.csv', old ? EVALS_COLUMNS_V0 : EVALS_COLUMNS).map(
      ([step, testAccQ, testAccK, objectKept]): EvalResult =>
        objectKept !== undefined && Number.isFinite(objectKept)
          ? { step, testAccQ, testAccK, objectKept }
          : { step, testAccQ, testAccK },
    ),
  );
  const meta = run.meta && typeof run.meta === 'object' ? (run.meta as Record<string, unknown>) : {};
  const weights = Object.keys(files)
    .filter((n) => n.startsWith('weights/') && !n.endsWith('/'))
    .sort()
    .map((n) => ({ name: n.slice('weights/'.length), data: files[n] }));
  return {
    version,
    config,
    meta,
    metrics: metricsFromJson(parseJson(files['metrics.json'], 'metrics.json')),
    evals,
    weights,
    ...(files['masks.gif'] ? { masksGif: files['masks.gif'] } : {}),
    ...(files['masks.png'] ? { masksPng: files['masks.png'] } : {}),
    ...(files['history.json'] && files['history.bin']
      ? { history: readHistory(files['history.json'], files['history.bin']) }
      : {}),
  };
}
