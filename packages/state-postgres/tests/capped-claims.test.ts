import type { ClaimBatchResult } from '@batchactions/core';
import { prepareJob } from '@batchactions/core/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStateStore, type PgPoolLike } from '@batchactions/state-postgres';
import { createBatchOutcomesTableSql } from '@batchactions/state-sql';
import { MIGRATIONS } from '../src/migrations';
import {
  createTestPool,
  dropSchema,
  testDatabaseUrl,
  uniqueSchemaName,
} from '../../../tests/support/postgres';
import { storePerTest } from '../../../tests/support/postgres-store-per-test';

/*
 * Claims of a job with `maxConcurrentBatches` (issue 27) on PostgreSQL, in forced interleavings:
 * the claim is one statement that counts the job's batches in flight from its snapshot and then
 * locks the limits row; it must count the claims that committed in between.
 */

let store: PostgresStateStore;
let holder: pg.Client;
/** Watches the other sessions (pg_stat_activity is read once per transaction: not the holder's). */
let watcher: pg.Client;
const opened: { close(): Promise<void> }[] = [];

storePerTest((made) => (store = made));
beforeEach(async () => {
  holder = new pg.Client({ connectionString: testDatabaseUrl() });
  watcher = new pg.Client({ connectionString: testDatabaseUrl() });
  await Promise.all([holder.connect(), watcher.connect()]);
});
afterEach(async () => {
  await Promise.all([holder.end(), watcher.end()]);
  for (const one of opened.splice(0)) await one.close();
});

/** A store on the test schema with its own pool (`pool` wraps it when given). */
function storeOn(wrap?: (pool: pg.Pool) => PgPoolLike): PostgresStateStore {
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
  opened.push({ close: () => pool.end() });
  const other = new PostgresStateStore({
    schema: store.schema,
    pool: wrap ? wrap(pool) : pool,
  });
  return other;
}

/** Locks job `jobId`'s limits row on the holder's connection, in an open transaction. */
async function lockLimits(jobId: string): Promise<void> {
  await holder.query('BEGIN');
  await holder.query(`SELECT * FROM "${store.schema}".job_limits WHERE "jobId" = $1 FOR UPDATE`, [
    jobId,
  ]);
}

/** Resolves once `count` sessions wait for a lock in a capped claim statement. */
async function waitersOnLimits(count: number): Promise<void> {
  for (;;) {
    const { rows } = await watcher.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE '%claimSeq%'`,
    );
    if (Number(rows[0]?.n) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function claimSeq(jobId: string): Promise<number> {
  const { rows } = await holder.query<{ seq: string }>(
    `SELECT "claimSeq" AS seq FROM "${store.schema}".job_limits WHERE "jobId" = $1`,
    [jobId],
  );
  return Number(rows[0]?.seq);
}

/** A job of 4 one-record batches capped at `cap`, with `held` batches claimed already. */
async function cappedJob(cap: number, held: number): Promise<string> {
  const { jobId } = await prepareJob(store, 4, 1);
  await store.setJobLimits(jobId, { maxConcurrentBatches: cap });
  for (let i = 0; i < held; i += 1) {
    expect((await store.claimBatch(jobId, `held-${String(i)}`)).claimed).toBe(true);
  }
  return jobId;
}

describe('PostgresStateStore capped claims', () => {
  it('two claims of the last free slot, both past their snapshot before either commits: one wins', async () => {
    const jobId = await cappedJob(2, 1);
    await lockLimits(jobId);
    // Both claim statements take their snapshot (1 batch in flight, room for one), lock a
    // batch each and wait for the limits row.
    const claims = [storeOn(), storeOn()].map((claimer, i) =>
      claimer.claimBatch(jobId, `racer-${String(i)}`),
    );
    await waitersOnLimits(2);
    await holder.query('COMMIT');
    const results: ClaimBatchResult[] = await Promise.all(claims);
    expect(results.filter((r) => r.claimed)).toHaveLength(1);
    expect(results.find((r) => !r.claimed)).toEqual({
      claimed: false,
      reason: 'NO_PENDING_BATCHES',
      limitReached: true,
    });
    expect((await store.getDistributedStatus(jobId)).processingBatches).toBe(2);
    expect(await claimSeq(jobId)).toBe(2);
  });

  it('leases from the bucket as the lock finds it, not as the snapshot read it', async () => {
    const jobId = await cappedJob(3, 1);
    await store.setJobLimits(jobId, { rateLimit: { records: 1_000_000, perMs: 1000 } });
    await lockLimits(jobId);
    const claims = [storeOn(), storeOn()].map((claimer, i) =>
      claimer.claimBatch(jobId, `racer-${String(i)}`),
    );
    await waitersOnLimits(2);
    // What a lease or a throttle does to the row: the bucket moves (here a minute on); both
    // statements must read it again, and their own leases start after it.
    await holder.query(
      `UPDATE "${store.schema}".job_limits
       SET "readyAt" = extract(epoch FROM clock_timestamp()) * 1000 + 60000 WHERE "jobId" = $1`,
      [jobId],
    );
    await holder.query('COMMIT');
    const results = await Promise.all(claims);
    for (const result of results) {
      if (!result.claimed) throw new Error('expected a claim');
      expect(result.reservation.rateLease?.waitMs).toBeGreaterThan(50_000);
    }
    expect((await store.getDistributedStatus(jobId)).processingBatches).toBe(3);
    expect(await store.claimBatch(jobId, 'late')).toMatchObject({ limitReached: true });
  });

  it('falls back to a transaction that locks the limits row when its statement keeps losing', async () => {
    const jobId = await cappedJob(2, 1);
    const sent: string[] = [];
    // Before each capped claim statement sent on the pool, the holder locks the limits row; once
    // the statement waits for it, the holder bumps `claimSeq` (as a claim does) and commits.
    const claimer = storeOn((pool) => ({
      async query(text: string, values?: unknown[]) {
        if (!text.includes('"claimSeq" = l."claimSeq" + 1')) return pool.query(text, values);
        sent.push('statement');
        await lockLimits(jobId);
        const running = pool.query(text, values);
        await waitersOnLimits(1);
        await holder.query(
          `UPDATE "${store.schema}".job_limits SET "claimSeq" = "claimSeq" + 1 WHERE "jobId" = $1`,
          [jobId],
        );
        await holder.query('COMMIT');
        return running;
      },
      async connect() {
        const client = await pool.connect();
        return {
          query: (text: string, values?: unknown[]) => {
            sent.push(text.trim().split(/\s+/)[0] ?? '');
            return client.query(text, values);
          },
          release: (error?: Error | boolean) => {
            client.release(error);
          },
        };
      },
    }));
    const result = await claimer.claimBatch(jobId, 'loser');
    expect(result.claimed).toBe(true);
    expect(sent).toEqual([
      'statement',
      'statement',
      'statement',
      'BEGIN',
      'SELECT',
      'WITH',
      'COMMIT',
    ]);
    expect((await store.getDistributedStatus(jobId)).processingBatches).toBe(2);
    // 1 (held) + 3 bumps of the holder + the claim's.
    expect(await claimSeq(jobId)).toBe(5);
  });
});

describe('PostgresStateStore capped claims after the upgrade from version 10', () => {
  it('counts the batches in flight and the limits rows from before (claimSeq 0)', async () => {
    const schema = uniqueSchemaName('capped upgrade');
    const pool = createTestPool(1);
    try {
      // The schema as version 10 left it (released migrations never change).
      await pool.query(`CREATE SCHEMA "${schema}"`);
      for (const m of MIGRATIONS.filter((m) => m.version <= 10)) {
        await pool.query(m.sql.replaceAll('{{schema}}', `"${schema}"`));
      }
      await pool.query(`CREATE TABLE "${schema}".schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      await pool.query(
        `INSERT INTO "${schema}".schema_migrations (version, name)
         SELECT v, 'v' || v FROM generate_series(1, 10) AS v`,
      );
      // This package's code writes the fixture below: it needs version 12's outcomes table (a
      // new table, which version 12 creates only if it is missing).
      await pool.query(createBatchOutcomesTableSql('postgres', `"${schema}".batch_outcomes`));
      // A job capped at 1 with a batch in flight, written at version 10 (no claimSeq yet).
      const old = new PostgresStateStore({ connectionString: testDatabaseUrl(), schema });
      opened.push(old);
      const { jobId } = await prepareJob(old, 3, 1);
      await old.setJobLimits(jobId, { maxConcurrentBatches: 1 });
      await pool.query(
        `UPDATE "${schema}".batches SET "status" = 'PROCESSING', "workerId" = 'old', "attempt" = 1
         WHERE "jobId" = $1 AND "batchIndex" = 0`,
        [jobId],
      );

      const upgraded = new PostgresStateStore({ connectionString: testDatabaseUrl(), schema });
      opened.push(upgraded);
      expect((await upgraded.initialize()).applied).toEqual([11, 12]);
      expect(await upgraded.claimBatch(jobId, 'new')).toMatchObject({ limitReached: true });
      const [held] = await upgraded.listBatchesInFlight(jobId);
      if (held === undefined) throw new Error('expected the batch in flight');
      await upgraded.releaseBatch(jobId, held.batchId, 'old', 1);
      expect((await upgraded.claimBatch(jobId, 'new')).claimed).toBe(true);
      expect(await upgraded.claimBatch(jobId, 'new2')).toMatchObject({ limitReached: true });
    } finally {
      await pool.end();
      await dropSchema(schema);
    }
  });
});
