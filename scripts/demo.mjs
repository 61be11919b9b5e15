#!/usr/bin/env node
// `npm run demo`: builds quietly when dist/ is older than the sources (the build's output is
// shown only when it fails), then runs `batchactions-distributed demo` with the arguments given
// after `--`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';

if (!buildIfStale({ quiet: true })) process.exit(1);

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
