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
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { validateConfig } from '../core/config';
import { toOpenMixupConfig, type OpenMixupMeta } from '../export/openmixup';

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
export function runExportOpenmixup(argv: readonly string[], io: CliIo = consoleIo): number {
  const fail = (msg: string): number => {
    io.error(`export-openmixup: ${msg}`);
    return 2;
  };
  let configPath = '';
  let outPath = '';
  const meta: OpenMixupMeta = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') {
      io.log(USAGE);
      return 0;
    }
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) return fail(`${flag} needs a value\n${USAGE}`);
    i++;
    const positive = (): number | null => (/^[1-9]\d*$/.test(v) ? Number(v) : null);
    if (flag === '--config') configPath = v;
    else if (flag === '--out') outPath = v;
    else if (flag === '--gpus' || flag === '--train-size') {
      const n = positive();
      if (n === null) return fail(`${flag} must be a positive integer; got "${v}"`);
      if (flag === '--gpus') meta.gpus = n;
      else meta.datasetSize = { train: n };
    } else return fail(`unknown flag "${flag}"\n${USAGE}`);
  }
  if (!configPath) return fail(`--config is required\n${USAGE}`);
  if (!outPath) return fail(`--out is required\n${USAGE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8'));
  } catch (err) {
    return fail(`cannot read ${configPath}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return fail(`${configPath} must hold a JSON object of run settings`);
  const { config, issues } = validateConfig(raw as Record<string, unknown>);
  if (issues.length > 0) {
    for (const issue of issues) io.error(`export-openmixup: ${configPath}: ${issue.message}`);
    return 2;
  }
  const out = toOpenMixupConfig(config, { ...meta, configPath: outPath });
  try {
    writeFileSync(outPath, out.python);
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
