import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../../../tests/support/built-output';
import { modelsText } from '../src/cli/models';
import { runInit } from '../src/cli/run-init';

const require = createRequire(import.meta.url);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(schema?: string, at = 'prisma/schema.prisma'): string {
  const dir = mkdtempSync(join(tmpdir(), 'bact-prisma-init-'));
  dirs.push(dir);
  if (schema !== undefined) {
    mkdirSync(dirname(join(dir, at)), { recursive: true });
    writeFileSync(join(dir, at), schema);
  }
  return dir;
}

function run(args: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runInit(args, cwd, {
    out: (line) => {
      out.push(line);
    },
    err: (line) => {
      err.push(line);
    },
  });
  return { code, out, err };
}

const schemaFor = (provider: string) =>
  `generator client {\n  provider = "prisma-client"\n  output   = "../generated"\n}\n\ndatasource db {\n  provider = "${provider}"\n}\n`;

/**
 * `prisma validate` of Prisma 7, offline: the validator is WebAssembly; the CLI still wants a
 * schema-engine path, and any executable will do (it never runs it here).
 */
function validate(schemaPath: string): void {
  const manifest = require.resolve('prisma/package.json');
  const bin = join(dirname(manifest), 'build', 'index.js');
  execFileSync(process.execPath, [bin, 'validate', '--schema', schemaPath], {
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
      CHECKPOINT_DISABLE: '1',
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
    stdio: 'pipe',
  });
}

describe('batchactions-prisma init', () => {
  it('prints the published usage when the first argument is not init (exit 0)', () => {
    for (const args of [[], ['--help'], ['--schema=x', 'init']]) {
      const { code, out, err } = run(args, project());
      expect(code).toBe(0);
      expect(out).toEqual([
        'Usage: batchactions-prisma init [--schema=<path>]',
        '',
        'Adds batchactions models to your Prisma schema.',
      ]);
      expect(err).toEqual([]);
    }
  });

  it('reports a missing schema with the published message (exit 1)', () => {
    const { code, err } = run(['init'], project());
    expect(code).toBe(1);
    expect(err).toEqual([
      'Error: Could not find Prisma schema file.',
      'Specify the path: batchactions-prisma init --schema=prisma/schema.prisma',
    ]);
  });

  it.each(['postgresql', 'mysql', 'sqlite'])(
    'appends models that validate on %s, then does nothing the second time',
    (provider) => {
      const dir = project(schemaFor(provider));
      const path = join(dir, 'prisma/schema.prisma');
      const first = run(['init'], dir);
      expect(first.code).toBe(0);
      expect(first.out[0]).toBe(`Added batchactions models to ${path}`);
      expect(first.out).toContain('Next steps:');
      const text = readFileSync(path, 'utf8');
      expect(text.startsWith(schemaFor(provider))).toBe(true);
      expect(text).toContain(modelsText(provider as 'postgresql'));
      expect(text.includes('@db.')).toBe(provider !== 'sqlite');
      validate(path);
      const second = run(['init'], dir);
      expect(second).toEqual({
        code: 0,
        out: ['Batchactions models already exist in the schema. Nothing to do.'],
        err: [],
      });
      expect(readFileSync(path, 'utf8')).toBe(text);
    },
    30_000,
  );

  it('finds schema.prisma at the root and takes --schema= as typed (the last one wins)', () => {
    const dir = project(schemaFor('postgresql'), 'schema.prisma');
    expect(run(['init'], dir).out[0]).toBe(
      `Added batchactions models to ${join(dir, 'schema.prisma')}`,
    );
    const other = project(schemaFor('postgresql'), 'db/main.prisma');
    const { code, out } = run(
      ['init', '--schema=nowhere.prisma', '--schema=db/main.prisma'],
      other,
    );
    expect(code).toBe(0);
    expect(out[0]).toBe('Added batchactions models to db/main.prisma');
  });

  it('appends when BatchactionsJob appears only in a comment (0.0.3 did nothing)', () => {
    const dir = project(`${schemaFor('postgresql')}// BatchactionsJob comes later\n`);
    expect(run(['init'], dir).code).toBe(0);
    expect(readFileSync(join(dir, 'prisma/schema.prisma'), 'utf8')).toContain(
      'model BatchactionsJob {',
    );
  });

  it('refuses a schema holding only some of the models, unchanged', () => {
    const partial = `${schemaFor('postgresql')}\nmodel BatchactionsJob {\n  id String @id\n}\n`;
    const dir = project(partial);
    const { code, err } = run(['init'], dir);
    expect(code).toBe(1);
    expect(err[0]).toMatch(/declares BatchactionsJob but not BatchactionsRecord/);
    expect(readFileSync(join(dir, 'prisma/schema.prisma'), 'utf8')).toBe(partial);
  });

  it.each(['sqlserver', 'cockroachdb', 'mongodb'])(
    'refuses the %s provider and leaves the schema unchanged (0.0.3 made it invalid)',
    (provider) => {
      const dir = project(schemaFor(provider));
      const { code, err } = run(['init'], dir);
      expect(code).toBe(1);
      expect(err[0]).toBe(`Error: the datasource provider "${provider}" is not supported.`);
      expect(readFileSync(join(dir, 'prisma/schema.prisma'), 'utf8')).toBe(schemaFor(provider));
    },
  );

  it('reports a directory given as --schema instead of crashing (0.0.3: EISDIR)', () => {
    const dir = project();
    mkdirSync(join(dir, 'prisma'));
    const { code, err } = run(['init', '--schema=prisma'], dir);
    expect(code).toBe(1);
    expect(err[0]).toBe('Error: prisma is a directory, not a Prisma schema file.');
  });
});

describe('the built batchactions-prisma binary', () => {
  it('runs as the package.json bin names it: appends, then exits 0 with nothing to do', () => {
    requireFreshBuild('state-prisma');
    const manifest = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8'),
    ) as { bin: Record<string, string> };
    const bin = join(import.meta.dirname, '..', manifest.bin['batchactions-prisma'] ?? '');
    const dir = project(schemaFor('sqlite'));
    const first = execFileSync(process.execPath, [bin, 'init'], { cwd: dir, encoding: 'utf8' });
    expect(first.split('\n')[0]).toBe(
      `Added batchactions models to ${join(dir, 'prisma/schema.prisma')}`,
    );
    const second = execFileSync(process.execPath, [bin, 'init'], { cwd: dir, encoding: 'utf8' });
    expect(second).toBe('Batchactions models already exist in the schema. Nothing to do.\n');
  });
});

describe('reference models shipped in prisma/', () => {
  const shipped = (file: string) =>
    readFileSync(join(import.meta.dirname, '..', 'prisma', file), 'utf8');

  it('are the models init appends (PostgreSQL/MySQL, and SQLite without native types)', () => {
    expect(shipped('batchactions.prisma').endsWith(`\n${modelsText('postgresql')}`)).toBe(true);
    expect(shipped('batchactions.sqlite.prisma').endsWith(`\n${modelsText('sqlite')}`)).toBe(true);
  });

  it('keep the published model and table names', () => {
    for (const [model, table] of [
      ['BatchactionsJob', 'batchactions_jobs'],
      ['BatchactionsRecord', 'batchactions_records'],
      ['BatchactionsBatch', 'batchactions_batches'],
    ]) {
      expect(modelsText('postgresql')).toMatch(
        new RegExp(`model ${model as string} \\{[^}]*@@map\\("${table as string}"\\)`),
      );
    }
  });
});
