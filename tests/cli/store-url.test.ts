import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/cli-errors';
import { resolveFormat } from '../../src/cli/source-format';
import { DEFAULT_CONNECT_TIMEOUT_MS, parseStoreUrl } from '../../src/cli/store-url';

describe('parseStoreUrl', () => {
  it('sqlite: reads paths as a person does: sqlite:rel relative to the working directory, sqlite:/abs and sqlite:///abs absolute', () => {
    expect(parseStoreUrl('sqlite:jobs.sqlite')).toMatchObject({
      kind: 'sqlite',
      filename: resolve('jobs.sqlite'),
    });
    expect(parseStoreUrl('sqlite:/var/tmp/jobs.db')).toMatchObject({
      filename: '/var/tmp/jobs.db',
    });
    expect(parseStoreUrl('sqlite:///var/tmp/jobs.db')).toMatchObject({
      filename: '/var/tmp/jobs.db',
    });
    expect(parseStoreUrl('sqlite:data/x.db')).toMatchObject({
      filename: join(process.cwd(), 'data/x.db'),
    });
    expect(parseStoreUrl('sqlite:../x.db')).toMatchObject({
      filename: resolve(process.cwd(), '../x.db'),
    });
    expect(parseStoreUrl('sqlite:~/jobs.sqlite')).toMatchObject({
      filename: join(homedir(), 'jobs.sqlite'),
    });
  });

  it('sqlite: refuses the ambiguous sqlite://name (host or path?) and parameters, saying what to write', () => {
    expect(() => parseStoreUrl('sqlite://jobs.sqlite')).toThrow(CliUsageError);
    expect(() => parseStoreUrl('sqlite://jobs.sqlite')).toThrow(
      /"sqlite:\/\/jobs.sqlite" is ambiguous.*sqlite:jobs.sqlite for a file relative to the working directory.*sqlite:\/\/\/absolute\/path\/jobs.sqlite/,
    );
    expect(() => parseStoreUrl('sqlite://data/jobs.sqlite')).toThrow(/ambiguous/);
    expect(() => parseStoreUrl('sqlite://')).toThrow(/ambiguous/);
    expect(() => parseStoreUrl('sqlite:jobs.sqlite?mode=ro')).toThrow(/no parameters/);
  });

  it('postgres: keeps the URL for the driver without our parameters, and hides the password and query values in url', () => {
    const location = parseStoreUrl(
      'postgresql://app:s3cret@db:5432/jobs?schema=imports&sslmode=disable&connect_timeout=3',
    );
    expect(location).toEqual({
      kind: 'postgres',
      schema: 'imports',
      connectTimeoutMs: 3000,
      connectionString: 'postgresql://app:s3cret@db:5432/jobs?sslmode=disable',
      url: 'postgresql://app:***@db:5432/jobs?schema=***&sslmode=***&connect_timeout=***',
      raw: 'postgresql://app:s3cret@db:5432/jobs?schema=imports&sslmode=disable&connect_timeout=3',
    });
    expect(parseStoreUrl('postgres://localhost/test')).not.toHaveProperty('schema');
    expect(parseStoreUrl('postgres://localhost/test')).toMatchObject({
      connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    });
    expect(parseStoreUrl('postgres://localhost/test?connect_timeout=0')).toMatchObject({
      connectTimeoutMs: 0,
    });
    expect(parseStoreUrl('postgres://localhost/test')).not.toHaveProperty('preparedStatements');
    for (const [given, expected] of [
      ['true', true],
      ['1', true],
      ['FALSE', false],
      ['0', false],
    ] as const) {
      expect(
        parseStoreUrl(`postgres://localhost/test?prepared_statements=${given}&x=1`),
      ).toMatchObject({
        preparedStatements: expected,
        connectionString: 'postgres://localhost/test?x=1',
      });
      expect(
        parseStoreUrl(`postgres://localhost/test?x=1&asynchronous_commit=${given}`),
      ).toMatchObject({
        asynchronousCommit: expected,
        connectionString: 'postgres://localhost/test?x=1',
      });
    }
    expect(parseStoreUrl('postgres://localhost/test')).not.toHaveProperty('asynchronousCommit');
  });

  it('rejects other schemes, no scheme, an empty path and bad parameters as usage errors without secrets', () => {
    expect(() => parseStoreUrl('mysql://x/y')).toThrow(CliUsageError);
    expect(() => parseStoreUrl('mysql://x/y')).toThrow(/unknown scheme "mysql:"/);
    expect(() => parseStoreUrl('jobs.sqlite')).toThrow(/has no scheme/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/names no database file/);
    expect(() => parseStoreUrl('postgres://a b')).toThrow(/not a valid PostgreSQL URL/);
    expect(() => parseStoreUrl('postgres://app:pw@db:99999/x')).toThrow(
      /"postgres:\/\/app:\*\*\*@db:99999\/x" is not a valid PostgreSQL URL/,
    );
    expect(() => parseStoreUrl('postgres://db/x?connect_timeout=soon')).toThrow(
      /connect_timeout must be a whole number of seconds/,
    );
    expect(() => parseStoreUrl('postgres://db/x?prepared_statements=yes')).toThrow(
      /prepared_statements must be true or false, got "yes"/,
    );
    expect(() => parseStoreUrl('postgres://db/x?asynchronous_commit=later')).toThrow(
      /asynchronous_commit must be true or false, got "later"/,
    );
    for (const bad of [
      'postgres://app:hunter2@db:99999/x?password=hunter3',
      'mysql://app:hunter2@db/x?token=hunter3',
      'postgres://app:hunter2@/x?password=hunter3',
    ]) {
      expect(() => parseStoreUrl(bad)).toThrow(CliUsageError);
      expect(() => parseStoreUrl(bad)).not.toThrow(/hunter/);
    }
  });
});

describe('resolveFormat', () => {
  it('follows the extension unless --format says otherwise', () => {
    expect(resolveFormat('a.CSV', undefined)).toBe('csv');
    expect(resolveFormat('a.json', undefined)).toBe('json');
    expect(resolveFormat('a.jsonl', undefined)).toBe('ndjson');
    expect(resolveFormat('a.ndjson', undefined)).toBe('ndjson');
    expect(resolveFormat('a.xml', undefined)).toBe('xml');
    expect(resolveFormat('a.json', 'ndjson')).toBe('ndjson');
    expect(() => resolveFormat('a.dat', undefined)).toThrow(CliUsageError);
  });
});
