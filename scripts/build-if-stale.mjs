#!/usr/bin/env node
// Builds every package (`npm run build`) unless each one's dist/ is newer than everything it is
// built from. `npm test` (pretest) and `npm run demo` run it, so that a second run does not spend
// half a minute rebuilding what did not change. `--quiet` shows the build's output only when it
// fails. `npm run build` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Every file under `path` (or `path` itself), with its modification time. */
function* files(path) {
  if (!existsSync(path)) return;
  const stat = statSync(path);
  if (!stat.isDirectory()) {
    yield { path, mtimeMs: stat.mtimeMs };
    return;
  }
  for (const entry of readdirSync(path)) yield* files(join(path, entry));
}

/** What each build output is made from: its sources, build configuration and the lockfile. */
function parts() {
  const shared = ['tsconfig.base.json', 'tsconfig.build.json', 'package-lock.json'].map((f) =>
    join(root, f),
  );
  const packages = readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name));
  return [root, ...packages].map((dir) => ({
    dir,
    dist: join(dir, 'dist'),
    inputs: [join(dir, 'src'), join(dir, 'tsup.config.ts'), join(dir, 'package.json'), ...shared],
  }));
}

/** Why a build is needed, or undefined when every dist/ is newer than its inputs. */
export function staleReason() {
  for (const part of parts()) {
    const outputs = [...files(part.dist)];
    const name = relative(root, part.dist) || 'dist';
    if (outputs.length === 0) return `${name} is missing`;
    // tsup rewrites every file of dist/: its oldest file is when the last build started writing.
    const builtAt = Math.min(...outputs.map((f) => f.mtimeMs));
    for (const input of part.inputs) {
      for (const file of files(input)) {
        if (file.mtimeMs > builtAt) return `${relative(root, file.path)} changed after ${name}`;
      }
    }
  }
  return undefined;
}

/**
 * Runs `npm run build` when a build is needed. Returns true when dist/ is current afterwards;
 * on failure prints why (with the build's output when quiet) and returns false.
 */
export function buildIfStale({ quiet = false } = {}) {
  const reason = staleReason();
  if (reason === undefined) {
    process.stderr.write(
      'dist/ is newer than the sources: skipping the build (npm run build forces one).\n',
    );
    return true;
  }
  process.stderr.write(
    `Building (${reason})${quiet ? '; the output is shown only if the build fails' : ''}...\n`,
  );
  const build = spawnSync(npm, ['run', 'build', '--silent'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: quiet ? 'pipe' : 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.error === undefined && build.status === 0) return true;
  if (quiet) {
    process.stderr.write(build.stdout ?? '');
    process.stderr.write(build.stderr ?? '');
  }
  process.stderr.write(
    `The build failed (${build.error?.message ?? `exit code ${String(build.status)}`}).\n`,
  );
  return false;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = buildIfStale({ quiet: process.argv.includes('--quiet') }) ? 0 : 1;
}
