import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaBetterSQLite3 as PrismaBetterSqlite3V6 } from 'prisma-adapter-better-sqlite3-6';
import { PrismaPg as PrismaPgV6 } from 'prisma-adapter-pg-6';
import type { PrismaBatchactionsClient } from '@batchactions/state-prisma';
import type { Sequelize } from 'sequelize';
import {
  createMigratedTestDatabase as createSequelizeMigrated,
  createTestDatabase as createSequelizeDatabase,
  type TestDatabase as SequelizeTestDatabase,
} from '../../../state-sequelize/tests/support/databases';
import type { ModelsProvider } from '../../src/cli/models';
import { loadPrismaClient, type CompilerBuild, type PrismaMajor } from './prisma-clients';

/** The databases every test of this package runs against. */
export const DATABASES = ['postgres', 'mariadb', 'sqlite'] as const;
export type TestDatabaseKind = (typeof DATABASES)[number];

/** The Prisma provider of each test database. */
export const PROVIDER: Record<TestDatabaseKind, ModelsProvider> = {
  postgres: 'postgresql',
  mariadb: 'mysql',
  sqlite: 'sqlite',
};

/** A Prisma client with `$disconnect`. */
export type TestPrismaClient = PrismaBatchactionsClient & { $disconnect(): Promise<void> };

/** A database of its own for one test (the Sequelize package's helpers make and drop it). */
export interface PrismaTestDatabase {
  readonly kind: TestDatabaseKind;
  /** The schema (PostgreSQL), database (MariaDB) or file (SQLite). */
  readonly name: string;
  /**
   * A new Prisma client (Prisma `major`, through its driver adapter) on this database;
   * `compilerBuild` (Prisma 7): the generator's query compiler build, default `fast`.
   */
  connect(options?: {
    readonly poolSize?: number;
    readonly compilerBuild?: CompilerBuild;
    /** PostgreSQL: more `-c name=value` settings for the client's connections. */
    readonly pgOptions?: string;
  }): Promise<TestPrismaClient>;
  /** A new Sequelize instance on the same database (the neighbour store's client). */
  connectSequelize(): Sequelize;
  /** Environment for a child process to reach the same database (fixtures/prisma-env.mjs). */
  readonly childEnv: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * The driver adapter for `env` (the shape of {@link PrismaTestDatabase.childEnv}), of Prisma
 * `env.PRISMA_TEST_MAJOR` (default 7; Prisma 6: PostgreSQL and SQLite).
 */
export function adapterFor(env: Record<string, string | undefined>, poolSize = 5): unknown {
  const v6 = env.PRISMA_TEST_MAJOR === '6';
  switch (env.PRISMA_TEST_DB) {
    case 'postgres':
      return new (v6 ? PrismaPgV6 : PrismaPg)({
        connectionString: env.PRISMA_TEST_URL,
        options:
          `-c search_path=${env.PRISMA_TEST_SCHEMA ?? 'public'} ${env.PRISMA_TEST_PG_OPTIONS ?? ''}`.trim(),
        max: poolSize,
      });
    case 'mariadb': {
      const url = new URL(env.PRISMA_TEST_URL ?? '');
      return new PrismaMariaDb({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
        connectionLimit: poolSize,
      });
    }
    case 'sqlite':
      return v6
        ? new PrismaBetterSqlite3V6({ url: `file:${env.PRISMA_TEST_URL ?? ''}` })
        : new PrismaBetterSqlite3({ url: `file:${env.PRISMA_TEST_URL ?? ''}` });
    default:
      throw new Error(`unknown PRISMA_TEST_DB ${String(env.PRISMA_TEST_DB)}`);
  }
}

function wrap(database: SequelizeTestDatabase, major: PrismaMajor): PrismaTestDatabase {
  const kind = database.dialect;
  const location: Record<string, string> =
    kind === 'sqlite'
      ? { PRISMA_TEST_DB: kind, PRISMA_TEST_URL: database.childEnv.SEQ_STORAGE ?? '' }
      : kind === 'postgres'
        ? {
            PRISMA_TEST_DB: kind,
            PRISMA_TEST_URL: database.childEnv.SEQ_URL ?? '',
            PRISMA_TEST_SCHEMA: database.childEnv.SEQ_SEARCH_PATH ?? '',
          }
        : { PRISMA_TEST_DB: kind, PRISMA_TEST_URL: database.childEnv.SEQ_URL ?? '' };
  const env = { ...location, PRISMA_TEST_MAJOR: String(major) };
  return {
    kind,
    name: database.name,
    childEnv: env,
    connect: async (options = {}) => {
      const PrismaClient = await loadPrismaClient(PROVIDER[kind], major, options.compilerBuild);
      const adapterEnv =
        options.pgOptions === undefined
          ? env
          : { ...env, PRISMA_TEST_PG_OPTIONS: options.pgOptions };
      const client = new PrismaClient({ adapter: adapterFor(adapterEnv, options.poolSize) });
      return client as unknown as TestPrismaClient;
    },
    connectSequelize: () => database.connect({ logging: false }),
    drop: () => database.drop(),
  };
}

/**
 * A fresh, empty database for one test. A server that does not answer fails the test: never a
 * skip.
 */
export async function createTestDatabase(
  kind: TestDatabaseKind,
  label: string,
  major: PrismaMajor = 7,
): Promise<PrismaTestDatabase> {
  return wrap(await createSequelizeDatabase(kind, label), major);
}

/**
 * A database for one test with the store's tables already migrated (the shared SQL store's
 * migration, run by the Sequelize package's helper, which reuses migrated databases between the
 * file's tests): for tests of what the store does rather than how it migrates.
 */
export async function createMigratedTestDatabase(
  kind: TestDatabaseKind,
  label: string,
  major: PrismaMajor = 7,
): Promise<PrismaTestDatabase> {
  return wrap(await createSequelizeMigrated(kind, label), major);
}
