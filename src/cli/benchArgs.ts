/**
 * The command line of `npm run bench` (bench.ts; `--part soak` has its own, in benchSoak.ts): the
 * flags with their defaults, parsed by the shared parser (args.ts: `--help`, `--flag=value`, a bare
 * `--json`), and a clear message and exit code 2 for a bad or unknown flag.
 */
import { METHOD_NAMES, BACKEND_NAMES, type MethodName, type BackendName } from '../core/config';
import { flagTable, helpText, HelpRequest, oneOf, parseArgv, positive, UsageError } from './args';
import { strictNumber } from '../core/config';

export interface Args {
  part: 'node' | 'data' | 'browser' | 'ui' | 'first' | 'all';
  methods: MethodName[];
  backends: BackendName[];
  batch: number;
  width: number;
  steps: number;
  warmup: number;
  /** Batch of the webgl/webgpu-graph kernel count on the slow cpu backend (0 = skip it). */
  gpuGraphBatch: number;
  /** Steps of the tensor-count check (0 = skip). */
  leakSteps: number;
  json: boolean;
}

const PARTS = ['node', 'data', 'browser', 'ui', 'first', 'all'] as const;
const KEYS = [
  'part',
  'methods',
  'backends',
  'batch',
  'width',
  'steps',
  'warmup',
  'gpuGraphBatch',
  'leakSteps',
  'json',
] as const;
const TABLE = flagTable(KEYS);

export const BENCH_HELP = helpText(
  'npm run bench -- [options]: speed, memory and responsiveness figures, measured side by side (docs/performance.md)',
  [
    ['--part P', `${PARTS.join(', ')} (default all; soak has its own flags)`],
    ['--methods LIST', 'methods to time, comma-separated (default all)'],
    ['--backends LIST', 'backends to time, comma-separated (default all)'],
    ['--batch N', 'batch of the timed steps (default 64)'],
    ['--width N', 'network width W (default 16)'],
    ['--steps N', 'timed steps per method (default 5)'],
    ['--warmup N', 'untimed steps first (default 2)'],
    ['--gpu-graph-batch N', 'batch of the webgl/webgpu kernel count on cpu (0 skips it; default 2)'],
    ['--leak-steps N', 'steps of the tensor-count check (0 skips it; default 500)'],
    ['--json', 'print the figures as JSON'],
  ],
  TABLE,
);

function list<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  return raw.split(',').map((x) => oneOf(flag, x, allowed));
}

function count(flag: string, raw: string): number {
  const n = strictNumber(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} must be an integer ≥ 0; got ${JSON.stringify(raw)}`);
  return n;
}

/** The bench's options from `argv`. @throws UsageError (bad flag or value), HelpRequest (`--help`) */
export function readBenchArgs(argv: string[]): Args {
  const f = parseArgv(argv, TABLE, { bare: new Set(['json']), help: BENCH_HELP });
  const json = f.json === undefined ? false : oneOf('--json', f.json, ['true', 'false']) === 'true';
  return {
    part: f.part === undefined ? 'all' : oneOf('--part', f.part, PARTS),
    methods: f.methods === undefined ? [...METHOD_NAMES] : list('--methods', f.methods, METHOD_NAMES),
    backends: f.backends === undefined ? [...BACKEND_NAMES] : list('--backends', f.backends, BACKEND_NAMES),
    batch: f.batch === undefined ? 64 : positive('--batch', f.batch, true),
    width: f.width === undefined ? 16 : positive('--width', f.width, true),
    steps: f.steps === undefined ? 5 : positive('--steps', f.steps, true),
    warmup: f.warmup === undefined ? 2 : positive('--warmup', f.warmup, true),
    gpuGraphBatch: f.gpuGraphBatch === undefined ? 2 : count('--gpu-graph-batch', f.gpuGraphBatch),
    leakSteps: f.leakSteps === undefined ? 500 : count('--leak-steps', f.leakSteps),
    json,
  };
}

/** readBenchArgs for the command line: `--help` prints and exits 0, a bad flag exits 2 naming it. */
export function parseArgs(argv: string[]): Args {
  try {
    return readBenchArgs(argv);
  } catch (e) {
    if (e instanceof HelpRequest) {
      process.stdout.write(`${e.message}\n`);
      process.exit(0);
    }
    console.error(`bench: ${(e as Error).message}`);
    process.exit(2);
  }
}
