import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Sequelize } from 'sequelize';
import { betterSqlite3Dialect, SequelizeStateStore } from '@batchactions/state-sequelize';
import { whenFileEnds } from '../../../../tests/support/file-end';
import { postgresCatalog } from '../../../../tests/support/postgres-catalog';
import { testDatabaseUrl } from '../../../../tests/support/postgres';
import { ReusableDatabases } from '../../../../tests/support/reusable-databases';
import { mariadbCatalog } from './mariadb-catalog';

/** The databases every test of this package runs against. */
export const DIALECTS = ['postgres', 'mariadb', 'sqlite'] as const;
export type TestDialect = (typeof DIALECTS)[number];

/** Sequelize's SQLite dialect on better-sqlite3 (see `betterSqlite3Dialect`). */
const sqliteDialectModule = betterSqlite3Dialect(Database);

/** The local MariaDB server (root, empty password), or `MARIADB_URL`. */
export function mariadbUrl(): string {
  return process.env.MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';
}

/** A database of its own for one test: how to reach it, and how to remove it afterwards. */
export interface TestDatabase {
  readonly dialect: TestDialect;
  /** The schema (PostgreSQL), database (MariaDB) or file (SQLite). */
  readonly name: string;
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

/** One admin connection per server for the whole test file (closed when it ends). */
const admins = new Map<'postgres' | 'mariadb', Sequelize>();

async function adminQuery(dialect: 'postgres' | 'mariadb', sql: string): Promise<void> {
  let admin = admins.get(dialect);
  if (admin === undefined) {
    if (admins.size === 0) {
      whenFileEnds(async () => {
        for (const open of admins.values()) await open.close();
        admins.clear();
      });
    }
    admin = new Sequelize(dialect === 'postgres' ? testDatabaseUrl() : mariadbUrl(), {
      logging: false,
      pool: { max: 1 },
    });
    admins.set(dialect, admin);
  }
  await admin.query(sql);
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
  if (dialect === 'sqlite') return sqliteDatabase(name);
  await adminQuery(
    dialect,
    dialect === 'postgres' ? `CREATE SCHEMA "${name}"` : `CREATE DATABASE \`${name}\``,
  );
  return connectionTo(dialect, name);
}

const base = { logging: false };

/** How to reach the existing PostgreSQL schema or MariaDB database `name`, and drop it. */
function connectionTo(dialect: 'postgres' | 'mariadb', name: string): TestDatabase {
  if (dialect === 'postgres') {
    const options = { ...base, dialectOptions: { options: `-c search_path=${name}` } };
    return {
      dialect,
      name,
      options: { ...options, url: testDatabaseUrl() },
      childEnv: { SEQ_DIALECT: 'postgres', SEQ_URL: testDatabaseUrl(), SEQ_SEARCH_PATH: name },
      connect: (extra = {}) => new Sequelize(testDatabaseUrl(), { ...options, ...extra }),
      drop: () => adminQuery('postgres', `DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  const url = new URL(mariadbUrl());
  url.pathname = `/${name}`;
  return {
    dialect,
    name,
    options: { ...base, url: url.toString() },
    childEnv: { SEQ_DIALECT: 'mariadb', SEQ_URL: url.toString() },
    connect: (extra = {}) => new Sequelize(url.toString(), { ...base, ...extra }),
    drop: () => adminQuery('mariadb', `DROP DATABASE IF EXISTS \`${name}\``),
  };
}

/** A new SQLite file (in a directory of its own), a copy of `template` when one is given. */
function sqliteDatabase(name: string, template?: string): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const storage = join(dir, 'store.sqlite');
  if (template !== undefined) copyFileSync(template, storage);
  // better-sqlite3 through the package's dialect module: the tests need no second native driver.
  const options = { ...base, dialect: 'sqlite', storage, dialectModule: sqliteDialectModule };
  return {
    dialect: 'sqlite',
    name,
    options,
    childEnv: { SEQ_DIALECT: 'sqlite', SEQ_STORAGE: storage },
    connect: (extra = {}) => new Sequelize({ ...options, ...extra } as never),
    drop: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** This file's migrated PostgreSQL schemas and MariaDB databases, kept for reuse. */
const reusable = new Map<'postgres' | 'mariadb', ReusableDatabases>();
const KEEP_ROWS_OF = /schema_version$/;

function reusableFor(dialect: 'postgres' | 'mariadb'): ReusableDatabases {
  let pool = reusable.get(dialect);
  if (pool === undefined) {
    const catalog =
      dialect === 'postgres' ? postgresCatalog(testDatabaseUrl()) : mariadbCatalog(mariadbUrl());
    pool = new ReusableDatabases(catalog, KEEP_ROWS_OF);
    reusable.set(dialect, pool);
  }
  return pool;
}

/** This file's freshly migrated SQLite file, copied for each test that wants one. */
let sqliteTemplate: Promise<TestDatabase> | undefined;

async function migrate(database: TestDatabase): Promise<void> {
  const sequelize = database.connect();
  try {
    await new SequelizeStateStore(sequelize).initialize();
  } finally {
    await sequelize.close();
  }
}

/**
 * A database of its own for one test, with the store's tables already migrated (by
 * `SequelizeStateStore.initialize()`, with the default table prefix), for tests of what the
 * store does rather than of how it migrates. The file's tests share one migration: PostgreSQL
 * and MariaDB reuse an earlier test's database, emptied, when that test left its definition as
 * a fresh migration's (tests/support/reusable-databases.ts); SQLite copies a migrated file.
 * `drop()` hands it back.
 */
export async function createMigratedTestDatabase(
  dialect: TestDialect,
  label: string,
): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    sqliteTemplate ??= (async () => {
      const template = sqliteDatabase(uniqueName('template'));
      whenFileEnds(() => template.drop());
      await migrate(template);
      return template;
    })();
    const template = (await sqliteTemplate).options.storage as string;
    return sqliteDatabase(uniqueName(label), template);
  }
  const pool = reusableFor(dialect);
  const reused = pool.take();
  const database = await (reused === undefined
    ? createTestDatabase(dialect, label)
    : Promise.resolve(connectionTo(dialect, reused)));
  if (reused === undefined) {
    try {
      await migrate(database);
      await pool.learn(database.name);
    } catch (error) {
      await pool.drop(database.name);
      throw error;
    }
  }
  return { ...database, drop: () => pool.recycle(database.name) };
}
