/**
 * `npm run export-openmixup -- --config run.json --out config.py [--gpus N] [--train-size N]`
 *
 * Writes the OpenMixup config of a run (src/export/openmixup.ts) and prints the train command
 * lines and the settings that have no OpenMixup equivalent. run.json is the run configuration JSON
 * that `npm run train --config` takes (keys = RunConfig fields; missing keys take the defaults).
 *
 * Exit codes: 0 written; 2 bad arguments or configuration (one line per problem, naming the
 * field, its range and the value); 1 I/O failure.
 */
import { pathToFileURL } from 'node:url';
import { validateConfig } from '../core/config';
import { toOpenMixupConfig, type OpenMixupMeta } from '../export/openmixup';
import { flagTable, helpText, HelpRequest, kebab, parseArgv, readConfigFile, UsageError } from './args';
import { checkOutputPath, writeFileAtomic } from './outputs';

const USAGE =
  'usage: npm run export-openmixup -- --config run.json --out config.py [--gpus N] [--train-size N]';

/** Where the command writes; tests pass their own. */
export interface CliIo {
  log: (line: string) => void;
  error: (line: string) => void;
}

const consoleIo: CliIo = { log: (l) => console.log(l), error: (l) => console.error(l) };

/**
 * Runs the command.
 * @param argv the arguments after the script name
 * @returns the exit code
 */
const TABLE = flagTable(['config', 'out', 'gpus', 'trainSize']);
const HELP = helpText(
  USAGE,
  [
    ['--config FILE', 'the run configuration (JSON of settings in camelCase; missing keys: defaults)'],
    ['--out FILE', 'where the OpenMixup config is written'],
    ['--gpus N', 'GPUs of the printed multi-GPU command (default 1)'],
    ['--train-size N', 'training images of a dataset OpenMixup does not know'],
  ],
  TABLE,
);

export function runExportOpenmixup(argv: readonly string[], io: CliIo = consoleIo): number {
  const fail = (msg: string): number => {
    io.error(`export-openmixup: ${msg}`);
    return 2;
  };
  let flags: Record<string, string>;
  let raw: Record<string, unknown>;
  try {
    flags = parseArgv([...argv], TABLE, { help: HELP });
    if (flags.config === undefined) return fail(`--config is required\n${USAGE}`);
    if (flags.out === undefined) return fail(`--out is required\n${USAGE}`);
    checkOutputPath('--out', flags.out, 'file');
    raw = readConfigFile(flags.config);
  } catch (e) {
    if (e instanceof HelpRequest) {
      io.log(e.message);
      return 0;
    }
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  const outPath = flags.out;
  const meta: OpenMixupMeta = {};
  for (const key of ['gpus', 'trainSize'] as const) {
    const v = flags[key];
    if (v === undefined) continue;
    if (!/^[1-9]\d*$/.test(v)) return fail(`--${kebab(key)} must be a positive integer; got "${v}"`);
    if (key === 'gpus') meta.gpus = Number(v);
    else meta.datasetSize = { train: Number(v) };
  }
  const configPath = flags.config;
  const { config, issues } = validateConfig(raw);
  if (issues.length > 0) {
    for (const issue of issues) io.error(`export-openmixup: ${configPath}: ${issue.message}`);
    return 2;
  }
  const out = toOpenMixupConfig(config, { ...meta, configPath: outPath });
  try {
    writeFileAtomic(outPath, out.python);
  } catch (err) {
    io.error(
      `export-openmixup: cannot write ${outPath}: ${err instanceof Error ? err.message : String(err)}`,
    );
    return 1;
  }
  io.log(`wrote ${outPath} (${config.method} on ${config.dataset})`);
  io.log('train with OpenMixup (from its repository root):');
  for (const c of out.command) io.log(`  ${c}`);
  io.log(
    `${out.unmapped.length} setting(s) without an exact OpenMixup equivalent (listed at the top of the file):`,
  );
  for (const u of out.unmapped) io.log(`  - ${u}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runExportOpenmixup(process.argv.slice(2));
}
