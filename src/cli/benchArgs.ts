/**
 * The command line of `npm run bench` (bench.ts; `--part soak` has its own, in benchSoak.ts): the
 * flags with their defaults, and a clear message and exit code 2 for a bad or unknown flag.
 */
import { METHOD_NAMES, BACKEND_NAMES, type MethodName, type BackendName } from '../core/config';

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

export function parseArgs(argv: string[]): Args {
  const a: Args = {
    part: 'all',
    methods: [...METHOD_NAMES],
    backends: [...BACKEND_NAMES],
    batch: 64,
    width: 16,
    steps: 5,
    warmup: 2,
    gpuGraphBatch: 2,
    leakSteps: 500,
    json: false,
  };
  const fail = (m: string): never => {
    console.error(`bench: ${m}`);
    process.exit(2);
  };
  const list = <T extends string>(v: string, allowed: readonly T[], flag: string): T[] =>
    v
      .split(',')
      .map((x) =>
        (allowed as readonly string[]).includes(x)
          ? (x as T)
          : fail(`--${flag} takes ${allowed.join(', ')}; got "${x}"`),
      );
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1] ?? '';
    const num = (): number =>
      Number.isInteger(Number(v)) && Number(v) > 0
        ? Number(v)
        : fail(`${flag} takes a positive integer; got "${v}"`);
    const count = (): number =>
      Number.isInteger(Number(v)) && Number(v) >= 0
        ? Number(v)
        : fail(`${flag} takes an integer ≥ 0; got "${v}"`);
    if (flag === '--json') a.json = true;
    else if (flag === '--part')
      a.part =
        v === 'node' || v === 'data' || v === 'browser' || v === 'ui' || v === 'first' || v === 'all'
          ? v
          : fail(`--part takes node, data, browser, ui, first, all; got "${v}"`);
    else if (flag === '--methods') a.methods = list(v, METHOD_NAMES, 'methods');
    else if (flag === '--backends') a.backends = list(v, BACKEND_NAMES, 'backends');
    else if (flag === '--batch') a.batch = num();
    else if (flag === '--width') a.width = num();
    else if (flag === '--steps') a.steps = num();
    else if (flag === '--warmup') a.warmup = num();
    else if (flag === '--gpu-graph-batch') a.gpuGraphBatch = count();
    else if (flag === '--leak-steps') a.leakSteps = count();
    else
      fail(
        `unknown flag "${flag}"; allowed: --part --methods --backends --batch --width --steps --warmup --gpu-graph-batch --leak-steps --json`,
      );
    if (flag !== '--json') i++;
  }
  return a;
}
