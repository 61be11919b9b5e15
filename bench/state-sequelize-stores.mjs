// Fresh stores for the SequelizeStateStore benchmark (built packages; run `npm run build`):
// `postgres` is the PostgresStateStore baseline, `sequelize-<dialect>` a SequelizeStateStore,
// `prisma-<postgres|mariadb>` a PrismaStateStore (Prisma 7, driver adapter).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Sequelize } from 'sequelize';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

/** SEQ_BASELINE=<dir>: a copy of an earlier build (`dist/index.js` under it) for `sequelize-*-baseline` kinds. */
export const BASELINE_MODULE = process.env.SEQ_BASELINE
  ? join(process.env.SEQ_BASELINE, 'dist', 'index.js')
  : undefined;

/**
 * PRISMA_BASELINE=<dir>: an earlier build of state-prisma (`dist/index.js` under it, bundled
 * with its state-sql, and placed where it resolves `@batchactions/core`, e.g. under
 * node_modules/) for `prisma-*-baseline` kinds.
 */
export const PRISMA_BASELINE_MODULE = process.env.PRISMA_BASELINE
  ? join(process.env.PRISMA_BASELINE, 'dist', 'index.js')
  : undefined;

/** The Sequelize instance described by SEQ_* variables (also used by the worker processes). */
export function sequelizeFromEnv(env, extra = {}) {
  const base = { logging: false, pool: { max: 4 }, ...extra };
  if (env.SEQ_DIALECT === 'sqlite')
    return new Sequelize({ ...base, dialect: 'sqlite', storage: env.SEQ_STORAGE });
  if (env.SEQ_DIALECT === 'postgres') {
    return new Sequelize(env.SEQ_URL, {
      ...base,
      dialectOptions: { options: `-c search_path=${env.SEQ_SCHEMA}` },
    });
  }
  return new Sequelize(env.SEQ_URL, base);
}

/** Per-method call counts and total milliseconds of a store (STORE_TIMINGS=1), printed on stderr at exit. */
function timed(store, enabled) {
  if (!enabled) return store;
  const stats = new Map();
  process.on('exit', () => {
    const lines = [...stats].map(
      ([name, s]) =>
        `${name}: ${s.calls} calls, ${s.ms.toFixed(0)} ms, ${(s.ms / s.calls).toFixed(2)} ms/call`,
    );
    process.stderr.write(`[${process.env.WORKER_ID ?? 'parent'}] ${lines.join('; ')}\n`);
  });
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return async (...args) => {
        const started = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          const s = stats.get(key) ?? { calls: 0, ms: 0 };
          s.calls += 1;
          s.ms += performance.now() - started;
          stats.set(key, s);
        }
      };
    },
  });
}

/** Opens the store a parent process described in environment variables; `close()` ends it. */
export async function storeFromEnv(env) {
  if (env.STORE_KIND === 'postgres') {
    const { PostgresStateStore } = await import('@batchactions/state-postgres');
    const store = new PostgresStateStore({ connectionString: DATABASE_URL, schema: env.PG_SCHEMA });
    await store.initialize();
    return { store, close: () => store.close() };
  }
  if (env.STORE_KIND?.startsWith('prisma-')) {
    // PRISMA_MODULE: another build of the package (a file path), to compare builds in one run.
    const { PrismaStateStore } = await import(
      env.PRISMA_MODULE ? pathToFileURL(env.PRISMA_MODULE).href : '@batchactions/state-prisma'
    );
    const prisma = await prismaFromEnv(env);
    const store = timed(new PrismaStateStore(prisma), env.STORE_TIMINGS === '1');
    await store.initialize();
    return { store, close: () => prisma.$disconnect() };
  }
  // SEQ_MODULE: another build of the package (a file path), to compare builds in one run.
  const { SequelizeStateStore } = await import(
    env.SEQ_MODULE ? pathToFileURL(env.SEQ_MODULE).href : '@batchactions/state-sequelize'
  );
  const sequelize = sequelizeFromEnv(env);
  const store = timed(new SequelizeStateStore(sequelize), env.STORE_TIMINGS === '1');
  await store.initialize();
  return { store, close: () => sequelize.close() };
}

/**
 * The newest Prisma 7 client the state-prisma tests generated for `provider`
 * (packages/state-prisma/tests/.generated; run those tests once first). With `small`, a client
 * generated with `compilerBuild = "small"` in its generator block, in a folder named
 * `prisma7-small-<provider>-<anything>` there (packages/state-prisma/tests/small-compiler.test.ts
 * generates them).
 */
export function generatedPrismaClient(provider, small = false) {
  const root = fileURLToPath(
    new URL('../packages/state-prisma/tests/.generated/', import.meta.url),
  );
  const prefix = small ? `prisma7-small-${provider}-` : `prisma7-${provider}-`;
  const found = (existsSync(root) ? readdirSync(root) : [])
    .filter((name) => name.startsWith(prefix) && !name.includes('.'))
    .map((name) => join(root, name, 'client.mjs'))
    .filter((file) => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (found.length === 0) {
    throw new Error(
      small
        ? `no Prisma 7 client with compilerBuild "small" for ${provider}: run \`npx vitest run packages/state-prisma/tests/small-compiler.test.ts\` once (it generates them)`
        : `no generated Prisma 7 client for ${provider}: run \`npx vitest run packages/state-prisma/tests/quick-start.test.ts\` once (it generates them)`,
    );
  }
  return found[0];
}

/**
 * The Prisma 7 client described by SEQ_* variables, through its driver adapter. MariaDB: the
 * adapter as the state-prisma README recommends (the driver's prepared-statement cache, which
 * the adapter turns off by default), or with the adapter's defaults when PRISMA_ADAPTER_DEFAULTS=1.
 */
async function prismaFromEnv(env) {
  const provider = env.SEQ_DIALECT === 'postgres' ? 'postgresql' : 'mysql';
  const client = generatedPrismaClient(provider, env.PRISMA_COMPILER_BUILD === 'small');
  const { PrismaClient } = await import(pathToFileURL(client).href);
  if (env.SEQ_DIALECT === 'postgres') {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const adapter = new PrismaPg({
      connectionString: env.SEQ_URL,
      options: `-c search_path=${env.SEQ_SCHEMA}`,
      max: 4,
    });
    return new PrismaClient({ adapter });
  }
  const { PrismaMariaDb } = await import('@prisma/adapter-mariadb');
  const adapter = new PrismaMariaDb(
    mariaDbAdapterOptions(env.SEQ_URL, env.PRISMA_ADAPTER_DEFAULTS !== '1'),
    env.PRISMA_TEXT_PROTOCOL === '1' ? { useTextProtocol: true } : undefined,
  );
  return new PrismaClient({ adapter });
}

/**
 * The options of Prisma's MariaDB adapter for the server at `url` (4 connections), with the
 * driver's prepared-statement cache when `cached` (as the state-prisma README recommends).
 */
export function mariaDbAdapterOptions(url, cached) {
  const { hostname, port, username, password, pathname } = new URL(url);
  return {
    host: hostname,
    port: Number(port || 3306),
    user: decodeURIComponent(username),
    password: decodeURIComponent(password),
    database: pathname.slice(1),
    connectionLimit: 4,
    ...(cached ? { prepareCacheLength: 256 } : {}),
  };
}

async function admin(url, sql) {
  const s = new Sequelize(url, { logging: false });
  try {
    await s.query(sql);
  } finally {
    await s.close();
  }
}

/**
 * `sequelize-<dialect>-baseline` kinds load the build under SEQ_BASELINE instead of ours,
 * `prisma-<database>-baseline` kinds the one under PRISMA_BASELINE.
 */
function baselineEnv(kind) {
  if (!kind.endsWith('-baseline')) return {};
  if (kind.startsWith('prisma-')) {
    if (!PRISMA_BASELINE_MODULE)
      throw new Error(`${kind} needs PRISMA_BASELINE=<dir holding dist/index.js>`);
    return { PRISMA_MODULE: PRISMA_BASELINE_MODULE };
  }
  if (!BASELINE_MODULE) throw new Error(`${kind} needs SEQ_BASELINE=<dir holding dist/index.js>`);
  return { SEQ_MODULE: BASELINE_MODULE };
}

/** A fresh, empty store of `kind`: its environment for workers and a `dispose()`. */
export async function freshStore(kind) {
  const name = `bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  if (kind === 'postgres') {
    return {
      env: { STORE_KIND: 'postgres', PG_SCHEMA: name },
      dispose: () => admin(DATABASE_URL, `DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  if (kind.startsWith('sequelize-postgres') || kind.startsWith('prisma-postgres')) {
    await admin(DATABASE_URL, `CREATE SCHEMA "${name}"`);
    return {
      env: {
        STORE_KIND: kind,
        SEQ_DIALECT: 'postgres',
        SEQ_URL: DATABASE_URL,
        SEQ_SCHEMA: name,
        // `prisma-postgres-small-compiler`: a client generated with `compilerBuild = "small"`.
        ...(kind === 'prisma-postgres-small-compiler' ? { PRISMA_COMPILER_BUILD: 'small' } : {}),
        ...baselineEnv(kind),
      },
      dispose: () => admin(DATABASE_URL, `DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  if (kind.startsWith('sequelize-mariadb') || kind.startsWith('prisma-mariadb')) {
    await admin(MARIADB_URL, `CREATE DATABASE \`${name}\``);
    const url = new URL(MARIADB_URL);
    url.pathname = `/${name}`;
    // The baseline and `-default-adapter` kinds build the adapter with its own defaults (no
    // prepared-statement cache), the others as the package's README recommends; with
    // BASELINE_ADAPTER=readme the baseline kinds too (to compare two builds, nothing else).
    const adapterDefaults =
      (kind.endsWith('-baseline') && process.env.BASELINE_ADAPTER !== 'readme') ||
      kind.endsWith('-default-adapter');
    return {
      env: {
        STORE_KIND: kind,
        SEQ_DIALECT: 'mariadb',
        SEQ_URL: url.toString(),
        ...(kind.startsWith('prisma-') && adapterDefaults ? { PRISMA_ADAPTER_DEFAULTS: '1' } : {}),
        // `prisma-mariadb-text`: the adapter's text protocol (one packet per statement, no
        // prepare), as Sequelize's mariadb dialect sends statements.
        ...(kind === 'prisma-mariadb-text' ? { PRISMA_TEXT_PROTOCOL: '1' } : {}),
        // `prisma-mariadb-small-compiler`: a client generated with `compilerBuild = "small"`.
        ...(kind === 'prisma-mariadb-small-compiler' ? { PRISMA_COMPILER_BUILD: 'small' } : {}),
        ...baselineEnv(kind),
      },
      dispose: () => admin(MARIADB_URL, `DROP DATABASE IF EXISTS \`${name}\``),
    };
  }
  if (kind === 'sequelize-sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'ba-bench-seq-'));
    return {
      env: { STORE_KIND: kind, SEQ_DIALECT: 'sqlite', SEQ_STORAGE: join(dir, 'bench.sqlite') },
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  throw new Error(`unknown store kind "${kind}"`);
}
