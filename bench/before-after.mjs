// Before/after: runs the same benchmark script in two builds of this repository, alternately,
// in one session, so both see the same machine state. Each build must be installed and built
// (`npm ci && npm run build` in its folder). The lines each run prints that start with `|` (the
// table rows) are collected and printed per build and round; nothing in bench/results.md is
// rewritten (the file is restored after each run of this tree's script).
//
// Usage: node bench/before-after.mjs --baseline /path/to/older/checkout
//          [--script bench/run.mjs] [--rounds 2] [-- args for the script...]
// Example: node bench/before-after.mjs --baseline ../wt-base -- --rows 50000 --stores postgres,sqlite
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values, positionals } = parseArgs({
  options: {
    baseline: { type: 'string' },
    script: { type: 'string', default: 'bench/run.mjs' },
    rounds: { type: 'string', default: '2' },
  },
  allowPositionals: true,
});
if (values.baseline === undefined) {
  console.error('--baseline <checkout folder> is required');
  process.exit(2);
}
const here = resolve(fileURLToPath(new URL('..', import.meta.url)));
const builds = [
  ['before', resolve(values.baseline)],
  ['after', here],
];
const results = join(here, 'bench/results.md');

for (let round = 1; round <= Number(values.rounds); round += 1) {
  for (const [name, dir] of builds) {
    const kept = readFileSync(results, 'utf8');
    const run = spawnSync(process.execPath, [join(dir, values.script), ...positionals], {
      cwd: dir,
      encoding: 'utf8',
      env: process.env,
      maxBuffer: 64 * 2 ** 20,
    });
    writeFileSync(results, kept);
    if (run.status !== 0) {
      console.error(`${name} round ${round} failed (exit ${run.status}):\n${run.stderr}`);
      process.exit(1);
    }
    const load = loadavg()[0].toFixed(1);
    for (const line of run.stdout.split('\n')) {
      if (line.startsWith('|') && !line.startsWith('|---') && !line.includes('rec/s |')) {
        console.log(`${name} round ${round} (load ${load}) ${line}`);
      } else if (/rec\/s/.test(line) && !line.startsWith('|')) {
        console.log(`${name} round ${round} (load ${load}): ${line.trim()}`);
      }
    }
  }
}
