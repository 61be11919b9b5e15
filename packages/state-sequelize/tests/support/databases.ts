import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sequelize } from 'sequelize';
import { testDatabaseUrl } from '../../../../tests/support/postgres';

/** The databases every test of this package runs against. */
export const DIALECTS = ['postgres', 'mariadb', 'sqlite'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** The local MariaDB server (root, empty password), or `MARIADB_URL`. */
export function mariadbUrl(): string {
  return process.env.MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';
}

/** A database of its own for one test: how to reach it, and how to remove it afterwards. */
export interface TestDatabase {
  readonly dialect: TestDialect;
  /** Options for `new Sequelize(...)` that reach this test's database only. */
  readonly options: Record<string, unknown>;
  /** A new Sequelize instance on the test's database (close it yourself). */
  connect(extra?: Record<string, unknown>): Sequelize;
  /** Environment for a child process to open the same database (`fixtures/sequelize-env.mjs`). */
  readonly childEnv: Record<string, string>;
  /** Drops the schema, database or file. */
  drop(): Promise<void>;
}

/** A name of its own for a test: `t_` + letters and digits of `label` + a random suffix. */
export function uniqueName(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  return `t_${slug}_${randomBytes(5).toString('hex')}`;
}

async function adminQuery(dialect: 'postgres' | 'mariadb', sql: string): Promise<void> {
  const admin =
    dialect === 'postgres'
      ? new Sequelize(testDatabaseUrl(), { logging: false, pool: { max: 1 } })
      : new Sequelize(mariadbUrl(), { logging: false, pool: { max: 1 } });
  try {
    await admin.query(sql);
  } finally {
    await admin.close();
  }
}

/**
 * Creates a fresh database for one test: a PostgreSQL schema (reached through the connection's
 * `search_path`), a MariaDB database, or an SQLite file in a new temporary directory.
 * A server that does not answer fails the test: never a skip.
 */
export async function createTestDatabase(
  dialect: TestDialect,
  label: string,
): Promise<TestDatabase> {
  const name = uniqueName(label);
  const base = { logging: false };
  if (dialect === 'postgres') {
    await adminQuery('postgres', `CREATE SCHEMA "${name}"`);
    const options = { ...base, dialectOptions: { options: `-c search_path=${name}` } };
    return {
      dialect,
      options: { ...options, url: testDatabaseUrl() },
      childEnv: { SEQ_DIALECT: 'postgres', SEQ_URL: testDatabaseUrl(), SEQ_SEARCH_PATH: name },
      connect: (extra = {}) => new Sequelize(testDatabaseUrl(), { ...options, ...extra }),
      drop: () => adminQuery('postgres', `DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  if (dialect === 'mariadb') {
    await adminQuery('mariadb', `CREATE DATABASE \`${name}\``);
    const url = new URL(mariadbUrl());
    url.pathname = `/${name}`;
    return {
      dialect,
      options: { ...base, url: url.toString() },
      childEnv: { SEQ_DIALECT: 'mariadb', SEQ_URL: url.toString() },
      connect: (extra = {}) => new Sequelize(url.toString(), { ...base, ...extra }),
      drop: () => adminQuery('mariadb', `DROP DATABASE IF EXISTS \`${name}\``),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const storage = join(dir, 'store.sqlite');
  const options = { ...base, dialect: 'sqlite', storage };
  return {
    dialect,
    options,
    childEnv: { SEQ_DIALECT: 'sqlite', SEQ_STORAGE: storage },
    connect: (extra = {}) => new Sequelize({ ...options, ...extra } as never),
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}
