// Installs the packages as a user gets them and runs the README quick start there. Run after
// `npm run build` (CI: `npm run check:install`).
//
// 1. `npm pack` every package (the facade and the five workspaces) into a temporary directory.
// 2. In a fresh project, install the tarballs of the facade, core and import only, and check that
//    nothing was installed that builds native code or is a database driver (the stores and drivers
//    are optional peer dependencies), that the CLI runs and names the store package it lacks.
// 3. Add the state-sqlite tarball, compile the README's quick start (extracted from README.md)
//    with strict tsc against the installed packages' own type declarations, once as ESM and once
//    as CommonJS, and run both on a CSV: every record imported exactly once.
// 4. The same with pnpm (its strict node_modules: a package sees only what it declares), fetched
//    with `npx pnpm@9`: the README's SQLite install line from the tarballs, the quick start
//    compiled and run as ESM there.
//
// better-sqlite3 comes from the registry (or the npm cache) with its install script skipped, and
// gets the binary this repository's install compiled for the same version and Node.js, so the
// check takes seconds, not a compile; CHECK_INSTALL_BUILD_NATIVE=1 rebuilds it from source
// instead (about a minute). Any failure ends the script with a message and exit code 1.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  realpathSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const started = Date.now();
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const keep = process.env.CHECK_INSTALL_KEEP === '1';
const buildNative = process.env.CHECK_INSTALL_BUILD_NATIVE === '1';

class InstallCheckError extends Error {}

function fail(message) {
  throw new InstallCheckError(message);
}

function log(message) {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`[check-install ${seconds}s] ${message}`);
}

/** Runs a command; its output is shown only when it fails. */
function run(command, args, cwd, env = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const out = [error.stdout, error.stderr].filter(Boolean).join('\n').trimEnd();
    fail(
      `\`${command} ${args.join(' ')}\` in ${cwd} failed (${error.message.split('\n')[0]})\n${out}`,
    );
  }
}

/** Runs a command that must fail; returns its stderr. */
function runExpectingFailure(command, args, cwd) {
  try {
    execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    return { status: error.status, stderr: String(error.stderr) };
  }
  return fail(`\`${command} ${args.join(' ')}\` succeeded but was expected to fail`);
}

const packageDirs = {
  '@batchactions/distributed': root,
  '@batchactions/core': join(root, 'packages/core'),
  '@batchactions/import': join(root, 'packages/import'),
  '@batchactions/state-sqlite': join(root, 'packages/state-sqlite'),
  '@batchactions/state-postgres': join(root, 'packages/state-postgres'),
  '@batchactions/state-sequelize': join(root, 'packages/state-sequelize'),
};

function pack(destination) {
  const tarballs = {};
  for (const [name, dir] of Object.entries(packageDirs)) {
    const entrypoint = join(dir, 'dist');
    if (!existsSync(entrypoint)) fail(`${entrypoint} is missing: run \`npm run build\` first`);
    const [result] = JSON.parse(
      run(npm, ['pack', '--json', '--pack-destination', destination], dir),
    );
    if (result.name !== name) fail(`${dir} packed as ${result.name}, expected ${name}`);
    tarballs[name] = join(destination, result.filename);
  }
  return tarballs;
}

/** Every installed package (scoped ones included) under node_modules. */
function installedPackages(project) {
  const found = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (entry.startsWith('@')) {
        walk(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (!existsSync(manifest)) continue;
      found.push({ path, manifest: JSON.parse(readFileSync(manifest, 'utf8')) });
      walk(join(path, 'node_modules'));
    }
  };
  walk(join(project, 'node_modules'));
  return found;
}

const drivers = ['pg', 'better-sqlite3', 'sqlite3', 'mariadb', 'mysql2', 'sequelize', 'tedious'];

function checkNothingNative(project) {
  const offenders = [];
  for (const { path, manifest } of installedPackages(project)) {
    const scripts = manifest.scripts ?? {};
    const hooks = ['preinstall', 'install', 'postinstall'].filter((hook) => scripts[hook]);
    if (hooks.length > 0) offenders.push(`${manifest.name} runs ${hooks.join(', ')}`);
    if (existsSync(join(path, 'binding.gyp'))) offenders.push(`${manifest.name} has a binding.gyp`);
    if (drivers.includes(manifest.name)) offenders.push(`${manifest.name} is a database driver`);
    if (manifest.name?.startsWith('@batchactions/state-')) {
      offenders.push(`${manifest.name} is a store package nobody asked for`);
    }
  }
  if (offenders.length > 0) {
    fail(`installing the facade, core and import pulled in:\n  ${offenders.join('\n  ')}`);
  }
}

/**
 * Gives the installed better-sqlite3 (installed with its install script skipped) the binary this
 * repository's install compiled, when the versions match; otherwise builds it from source.
 */
function provideSqliteBinary(installedSqlite, project, manager) {
  const ownSqlite = join(root, 'node_modules/better-sqlite3');
  const version = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
  const binary = 'build/Release/better_sqlite3.node';
  if (!buildNative && version(installedSqlite) === version(ownSqlite)) {
    mkdirSync(join(installedSqlite, 'build/Release'), { recursive: true });
    copyFileSync(join(ownSqlite, binary), join(installedSqlite, binary));
    log(
      `${manager}: state-sqlite installed; better-sqlite3 ${version(installedSqlite)} uses this repo's binary`,
    );
  } else {
    if (manager === 'npm') run(npm, ['rebuild', 'better-sqlite3'], project);
    else run('npx', ['--yes', 'pnpm@9', 'rebuild', 'better-sqlite3'], project);
    log(
      `${manager}: state-sqlite installed; better-sqlite3 ${version(installedSqlite)} built from source`,
    );
  }
}

function readmeQuickStart() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  const quickStart = blocks.find((block) => block.includes('export async function quickStart('));
  if (quickStart === undefined) fail('README.md has no ```ts block exporting quickStart');
  return quickStart;
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes the README quick start into `project/src` and compiles it with strict tsc there. */
function compileQuickStart(project, withCommonJs) {
  const source = readmeQuickStart();
  const src = join(project, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'quick-start.ts'), source);
  if (withCommonJs) writeFileSync(join(src, 'quick-start-cjs.cts'), source);
  writeJson(join(project, 'tsconfig.json'), {
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      outDir: 'out',
      rootDir: 'src',
      // The user's own @types/node; the packages' declarations are the installed ones.
      typeRoots: [join(root, 'node_modules/@types')],
      types: ['node'],
      skipLibCheck: true,
    },
    include: ['src'],
  });
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], project);
}

const esmRunner = () =>
  runner(
    "import { createRequire } from 'node:module';\nimport { quickStart } from './out/quick-start.js';\nconst require = createRequire(import.meta.url);",
  );

/**
 * Step 4: the README's SQLite install line with pnpm (strict node_modules), from the tarballs,
 * install scripts skipped as in step 3; then the quick start compiled and run as ESM.
 */
function checkWithPnpm(work, tarballs) {
  const project = join(work, 'app-pnpm');
  mkdirSync(project);
  writeJson(join(project, 'package.json'), {
    name: 'batchactions-install-check-pnpm',
    private: true,
    type: 'module',
  });
  run(
    'npx',
    [
      '--yes',
      'pnpm@9',
      'add',
      '--ignore-scripts',
      '--prefer-offline',
      tarballs['@batchactions/distributed'],
      tarballs['@batchactions/core'],
      tarballs['@batchactions/import'],
      tarballs['@batchactions/state-sqlite'],
    ],
    project,
  );
  const storePackage = realpathSync(join(project, 'node_modules/@batchactions/state-sqlite'));
  const sqliteManifest = createRequire(join(storePackage, 'package.json')).resolve(
    'better-sqlite3/package.json',
  );
  provideSqliteBinary(dirname(sqliteManifest), project, 'pnpm');
  compileQuickStart(project, false);
  writeFileSync(join(project, 'run-esm.mjs'), esmRunner());
  const esm = run(process.execPath, ['run-esm.mjs'], project).trim();
  log(`pnpm: ESM quick start: ${esm}`);
}

const runner = (loader) => `${loader}
const { mkdtempSync, writeFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'ba-install-run-'));
  try {
    const csv = join(dir, 'users.csv');
    const rows = ['email,name'];
    for (let i = 0; i < 2345; i += 1) rows.push('u' + i + '@example.com,User ' + i);
    writeFileSync(csv, rows.join('\\n'));
    const imported = await quickStart(csv, join(dir, 'state.sqlite'));
    if (imported.length !== 2345 || new Set(imported).size !== 2345) {
      throw new Error('expected 2345 distinct records, got ' + imported.length + ' (' + new Set(imported).size + ' distinct)');
    }
    console.log('imported ' + imported.length + ' records exactly once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

function main() {
  const work = mkdtempSync(join(tmpdir(), 'ba-install-check-'));
  try {
    const tarballDir = join(work, 'tarballs');
    mkdirSync(tarballDir);
    const tarballs = pack(tarballDir);
    log(`packed ${Object.keys(tarballs).length} packages into ${tarballDir}`);

    const project = join(work, 'app');
    mkdirSync(project);
    writeJson(join(project, 'package.json'), {
      name: 'batchactions-install-check',
      private: true,
      type: 'module',
    });
    const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline'];

    // Step 2: the facade and its peers only, scripts allowed: nothing may build or be a driver.
    run(
      npm,
      [
        ...npmInstall,
        tarballs['@batchactions/distributed'],
        tarballs['@batchactions/core'],
        tarballs['@batchactions/import'],
      ],
      project,
    );
    checkNothingNative(project);
    log('facade + core + import installed: no native build, no driver, no store package');

    const cli = join(project, 'node_modules/.bin/batchactions-distributed');
    const help = run(cli, ['--help'], project);
    if (!help.includes('prepare')) fail(`the CLI's --help does not list prepare:\n${help}`);
    writeFileSync(join(project, 'jobs.sqlite'), '');
    const missing = runExpectingFailure(cli, ['list', '--store', 'sqlite:jobs.sqlite'], project);
    if (!missing.stderr.includes('npm install @batchactions/state-sqlite')) {
      fail(
        `the CLI without the SQLite store package (exit ${missing.status}) does not say what to install:\n${missing.stderr}`,
      );
    }
    log('CLI runs, and names @batchactions/state-sqlite when a sqlite: store needs it');

    // Step 3: add the SQLite store.
    run(npm, [...npmInstall, '--ignore-scripts', tarballs['@batchactions/state-sqlite']], project);
    provideSqliteBinary(join(project, 'node_modules/better-sqlite3'), project, 'npm');

    compileQuickStart(project, true);
    log('README quick start compiles (strict) against the installed types, as ESM and as CommonJS');

    writeFileSync(join(project, 'run-esm.mjs'), esmRunner());
    writeFileSync(
      join(project, 'run-cjs.cjs'),
      runner("const { quickStart } = require('./out/quick-start-cjs.cjs');"),
    );
    const esm = run(process.execPath, ['run-esm.mjs'], project).trim();
    log(`ESM quick start: ${esm}`);
    const cjs = run(process.execPath, ['run-cjs.cjs'], project).trim();
    log(`CommonJS quick start (require): ${cjs}`);
    const compiledCjs = readFileSync(join(project, 'out/quick-start-cjs.cjs'), 'utf8');
    if (!compiledCjs.includes('require("@batchactions/distributed")')) {
      fail('the CommonJS build of the quick start does not require() the facade');
    }

    checkWithPnpm(work, tarballs);
    log(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    if (keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  const message = error instanceof InstallCheckError ? error.message : (error?.stack ?? error);
  console.error(`\ncheck-install FAILED: ${message}`);
  process.exit(1);
}
