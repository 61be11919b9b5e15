import { join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../src/cli/cli-errors';
import { resolveFormat } from '../../src/cli/source-format';
import { parseStoreUrl } from '../../src/cli/store-url';

describe('parseStoreUrl', () => {
  it('sqlite: relative paths resolve against the working directory, absolute ones stay', () => {
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
  });

  it('postgres: keeps the URL for the driver without ?schema=, and hides the password in url', () => {
    const location = parseStoreUrl(
      'postgresql://app:s3cret@db:5432/jobs?schema=imports&sslmode=disable',
    );
    expect(location).toMatchObject({
      kind: 'postgres',
      schema: 'imports',
      connectionString: 'postgresql://app:s3cret@db:5432/jobs?sslmode=disable',
      url: 'postgresql://app:***@db:5432/jobs?sslmode=disable',
      raw: 'postgresql://app:s3cret@db:5432/jobs?schema=imports&sslmode=disable',
    });
    expect(parseStoreUrl('postgres://localhost/test')).not.toHaveProperty('schema');
  });

  it('rejects other schemes, no scheme, and an empty path as usage errors', () => {
    expect(() => parseStoreUrl('mysql://x/y')).toThrow(InvalidArgumentError);
    expect(() => parseStoreUrl('mysql://x/y')).toThrow(/unknown scheme "mysql:"/);
    expect(() => parseStoreUrl('jobs.sqlite')).toThrow(/has no scheme/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/names no database file/);
    expect(() => parseStoreUrl('postgres://a b')).toThrow(/not a valid PostgreSQL URL/);
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
