// Fresh stores for the SequelizeStateStore benchmark (built packages; run `npm run build`):
// `postgres` is the PostgresStateStore baseline, `sequelize-<dialect>` a SequelizeStateStore.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Sequelize } from 'sequelize';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env.MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

/** `--baseline <dir>`: a copy of an earlier build (`dist/index.js` under it) for `*-baseline` kinds. */
export const BASELINE_MODULE = process.env.SEQ_BASELINE
  ? join(process.env.SEQ_BASELINE, 'dist', 'index.js')
  : undefined;

/** The Sequelize instance described by SEQ_* variables (also used by the worker processes). */
export function sequelizeFromEnv(env) {
  const base = { logging: false, pool: { max: 4 } };
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
  // SEQ_MODULE: another build of the package (a file path), to compare builds in one run.
  const { SequelizeStateStore } = await import(
    env.SEQ_MODULE ? pathToFileURL(env.SEQ_MODULE).href : '@batchactions/state-sequelize'
  );
  const sequelize = sequelizeFromEnv(env);
  const store = timed(new SequelizeStateStore(sequelize), env.STORE_TIMINGS === '1');
  await store.initialize();
  return { store, close: () => sequelize.close() };
}

async function admin(url, sql) {
  const s = new Sequelize(url, { logging: false });
  try {
    await s.query(sql);
  } finally {
    await s.close();
  }
}

/** `sequelize-<dialect>-baseline` kinds load the build under SEQ_BASELINE instead of ours. */
function baselineEnv(kind) {
  if (!kind.endsWith('-baseline')) return {};
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
  if (kind.startsWith('sequelize-postgres')) {
    await admin(DATABASE_URL, `CREATE SCHEMA "${name}"`);
    return {
      env: {
        STORE_KIND: kind,
        SEQ_DIALECT: 'postgres',
        SEQ_URL: DATABASE_URL,
        SEQ_SCHEMA: name,
        ...baselineEnv(kind),
      },
      dispose: () => admin(DATABASE_URL, `DROP SCHEMA IF EXISTS "${name}" CASCADE`),
    };
  }
  if (kind.startsWith('sequelize-mariadb')) {
    await admin(MARIADB_URL, `CREATE DATABASE \`${name}\``);
    const url = new URL(MARIADB_URL);
    url.pathname = `/${name}`;
    return {
      env: {
        STORE_KIND: kind,
        SEQ_DIALECT: 'mariadb',
        SEQ_URL: url.toString(),
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
