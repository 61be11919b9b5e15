// Installs the packages as a user gets them and runs the README quick start there. Run after
// `npm run build` (CI: `npm run check:install`).
//
// 1. `npm pack` every package (the facade and the five workspaces) into a temporary directory.
// 2. In a fresh project, install the tarballs of the facade, core and import only, and check that
//    nothing was installed that builds native code or is a database driver (the stores and drivers
//    are optional peer dependencies), that the CLI runs and names the store package it lacks.
// 3. Add the state-sqlite tarball; run the README's quick start (extracted from README.md) as
//    pasted into quick-start.mjs, and check the counts it prints; compile it with strict tsc
//    against the installed packages' own type declarations, as ESM and (its top-level code
//    wrapped in a function) as CommonJS, and run both builds too.
// 4. The same with pnpm (its strict node_modules: a package sees only what it declares), fetched
//    with `npx pnpm@9`: the README's SQLite install line from the tarballs, the quick start
//    run as pasted and compiled as ESM there.
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
import { packPackages } from './pack-packages.mjs';

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

function pack(destination) {
  try {
    return packPackages(destination);
  } catch (error) {
    const out = [error.stdout, error.stderr].filter(Boolean).join('\n').trimEnd();
    return fail(`packing the packages failed: ${error.message.split('\n')[0]}\n${out}`);
  }
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

/** The README's quick start: the first ```ts block under "## Quick start". */
function readmeQuickStart() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Quick start\n'));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) fail('README.md has no ```ts block under "## Quick start"');
  return block;
}

/**
 * The quick start as a CommonJS module: its imports stay (tsc turns them into require()), its
 * top-level code (which awaits) becomes the body of an async function.
 */
function asCommonJs(source) {
  const lines = source.split('\n');
  const firstCode = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('import '));
  const imports = lines.slice(0, firstCode).join('\n');
  const body = lines.slice(firstCode).join('\n');
  return [
    imports,
    'async function main(): Promise<void> {',
    body,
    '}',
    'main().catch((error: unknown) => {',
    '  console.error(error);',
    '  process.exit(1);',
    '});',
    '',
  ].join('\n');
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
  if (withCommonJs) writeFileSync(join(src, 'quick-start-cjs.cts'), asCommonJs(source));
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

/**
 * Runs a build of the quick start (a file of `project`) in a new empty directory, where it makes
 * its sample file and its store, and checks the counts it prints; returns its first two lines.
 */
function runQuickStart(project, file) {
  const cwd = mkdtempSync(join(tmpdir(), 'ba-install-run-'));
  try {
    const output = run(process.execPath, [join(project, file)], cwd);
    const expected = [
      /^job [0-9a-f-]{36}: 1000 records in 10 batches$/m,
      /^990 processed, 10 failed$/m,
      /^990 users saved;/m,
      /^1000,invalid,not-an-email,/m,
    ];
    const missing = expected.filter((pattern) => !pattern.test(output));
    if (missing.length > 0) fail(`${file} printed, without ${missing.join(', ')}:\n${output}`);
    return output.split('\n').slice(0, 2).join('; ');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

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
    // The SQLite store depends on the shared SQL package, which the registry here does not
    // hold: pnpm resolves a dependency from the registry even when its tarball is in the same
    // `add`, so point it at the tarball (npm takes the tarball given beside it).
    pnpm: {
      overrides: { '@batchactions/state-sql': `file:${tarballs['@batchactions/state-sql']}` },
    },
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
      tarballs['@batchactions/state-sql'],
      tarballs['@batchactions/state-sqlite'],
    ],
    project,
  );
  const storePackage = realpathSync(join(project, 'node_modules/@batchactions/state-sqlite'));
  const sqliteManifest = createRequire(join(storePackage, 'package.json')).resolve(
    'better-sqlite3/package.json',
  );
  provideSqliteBinary(dirname(sqliteManifest), project, 'pnpm');
  writeFileSync(join(project, 'quick-start.mjs'), readmeQuickStart());
  log(`pnpm: quick start as pasted: ${runQuickStart(project, 'quick-start.mjs')}`);
  compileQuickStart(project, false);
  log(`pnpm: quick start compiled (strict, ESM): ${runQuickStart(project, 'out/quick-start.js')}`);
}

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
    // The store's shared SQL package comes from its tarball too (the registry has neither).
    run(
      npm,
      [
        ...npmInstall,
        '--ignore-scripts',
        tarballs['@batchactions/state-sql'],
        tarballs['@batchactions/state-sqlite'],
      ],
      project,
    );
    provideSqliteBinary(join(project, 'node_modules/better-sqlite3'), project, 'npm');

    writeFileSync(join(project, 'quick-start.mjs'), readmeQuickStart());
    log(
      `quick start as pasted (node quick-start.mjs): ${runQuickStart(project, 'quick-start.mjs')}`,
    );

    compileQuickStart(project, true);
    log('README quick start compiles (strict) against the installed types, as ESM and as CommonJS');
    log(`ESM build: ${runQuickStart(project, 'out/quick-start.js')}`);
    log(`CommonJS build (require): ${runQuickStart(project, 'out/quick-start-cjs.cjs')}`);
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
