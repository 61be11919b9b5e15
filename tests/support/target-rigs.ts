// Stores for tests whose worker processes write into a target table (see
// tests/fixtures and tests/support/child-workers.ts): PostgreSQL or SQLite, each with the
// table the processors insert into and a count of its rows.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DistributedStateStore } from '@batchactions/core';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';

/** A shared store plus the target table the processors write into. */
export interface TargetRig {
  readonly store: DistributedStateStore;
  readonly env: Record<string, string>;
  readonly targetCount: () => Promise<{ rows: number; distinct: number }>;
  readonly dispose: () => Promise<void>;
}

/** How the rig's own store (the one that prepares) is opened. */
export interface TargetRigOptions {
  /**
   * The store's `batchPayloads` (default false). Only the rig's store takes it: the workers'
   * stores read a batch in whichever form it was stored.
   */
  readonly batchPayloads?: boolean;
}

/**
 * A PostgresStateStore in a schema of its own (named `<prefix>_<random>`) on DATABASE_URL, with
 * a `target (id integer PRIMARY KEY)` table in that schema.
 */
export async function postgresTargetRig(
  prefix = 'mp',
  options: TargetRigOptions = {},
): Promise<TargetRig> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set (tests/global-setup.ts sets it)');
  const schema = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = new PostgresStateStore({
    connectionString,
    schema,
    batchPayloads: options.batchPayloads ?? false,
  });
  await store.initialize();
  const admin = new pg.Pool({ connectionString, max: 1 });
  await admin.query(`CREATE TABLE "${schema}".target (id integer PRIMARY KEY)`);
  return {
    store,
    env: { STORE_KIND: 'postgres', DATABASE_URL: connectionString, PG_SCHEMA: schema },
    targetCount: async () => {
      const { rows } = await admin.query<{ rows: string; distinct: string }>(
        `SELECT count(*) AS rows, count(DISTINCT id) AS distinct FROM "${schema}".target`,
      );
      return { rows: Number(rows[0]?.rows), distinct: Number(rows[0]?.distinct) };
    },
    dispose: async () => {
      await store.close();
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** A SqliteStateStore file and a `target` SQLite file, in a temp dir named `ba-<prefix>-`. */
export async function sqliteTargetRig(
  prefix = 'mp',
  options: TargetRigOptions = {},
): Promise<TargetRig> {
  const dir = mkdtempSync(join(tmpdir(), `ba-${prefix}-`));
  const file = join(dir, 'state.sqlite');
  const targetFile = join(dir, 'target.sqlite');
  const store = new SqliteStateStore({
    filename: file,
    batchPayloads: options.batchPayloads ?? false,
  });
  await store.initialize();
  const target = new Database(targetFile);
  target.pragma('journal_mode = WAL');
  target.exec('CREATE TABLE target (id INTEGER PRIMARY KEY)');
  return {
    store,
    env: { STORE_KIND: 'sqlite', SQLITE_FILE: file, TARGET_FILE: targetFile },
    targetCount: () => {
      const row = target
        .prepare('SELECT count(*) AS n, count(DISTINCT id) AS d FROM target')
        .get() as {
        n: number;
        d: number;
      };
      return Promise.resolve({ rows: row.n, distinct: row.d });
    },
    dispose: async () => {
      target.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
