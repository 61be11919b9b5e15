// Opens a fresh store of each kind for the benchmarks (built packages; run `npm run build`).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh store: `open()` gives a new connection to it (for each worker), `dispose()` removes it.
 * PostgreSQL: a new schema in the database of `databaseUrl` (default `DATABASE_URL`).
 * `batchPayloads`: the stores' batch-payload layout (issue 28) instead of one row per record.
 */
export async function freshStore(kind, { databaseUrl = DATABASE_URL, batchPayloads = false } = {}) {
  const layoutEnv = batchPayloads ? { BATCH_PAYLOADS: '1' } : {};
  if (kind === 'sqlite') {
    const { SqliteStateStore } = await import('@batchactions/state-sqlite');
    const dir = mkdtempSync(join(tmpdir(), 'ba-bench-'));
    const filename = join(dir, 'bench.sqlite');
    const open = async () => {
      const store = new SqliteStateStore({ filename, batchPayloads });
      await store.initialize();
      return store;
    };
    return {
      kind,
      env: { STORE_KIND: 'sqlite', SQLITE_FILE: filename, ...layoutEnv },
      open,
      dispose: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (kind === 'postgres') {
    const { PostgresStateStore } = await import('@batchactions/state-postgres');
    const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const open = async () => {
      const store = new PostgresStateStore({
        connectionString: databaseUrl,
        schema,
        batchPayloads,
      });
      await store.initialize();
      return store;
    };
    const dispose = async () => {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    };
    return {
      kind,
      env: { STORE_KIND: 'postgres', DATABASE_URL: databaseUrl, PG_SCHEMA: schema, ...layoutEnv },
      open,
      dispose,
    };
  }
  throw new Error(`unknown store kind "${kind}" (expected sqlite or postgres)`);
}
