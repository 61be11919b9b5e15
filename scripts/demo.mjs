#!/usr/bin/env node
// `npm run demo`: builds quietly (the build's output is shown only when it fails), then runs
// `batchactions-distributed demo` with the arguments given after `--`.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

process.stderr.write('Building (npm run build; its output is shown only if it fails)...\n');
const build = spawnSync(npm, ['run', 'build', '--silent'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  shell: process.platform === 'win32',
});
if (build.error !== undefined || build.status !== 0) {
  process.stderr.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  process.stderr.write(
    `The build failed (${build.error?.message ?? `exit code ${String(build.status)}`}).\n`,
  );
  process.exit(1);
}

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const demo = spawn(process.execPath, [cli, 'demo', ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C reaches the demo through the terminal; a SIGTERM sent to this script alone is passed on.
process.on('SIGTERM', () => demo.kill('SIGTERM'));
process.on('SIGINT', () => {
  // The terminal sent it to the demo too; wait for the demo to stop its workers.
});
demo.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
