import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BufferSource, leaseSizeOf, type DistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { fileURLToPath } from 'node:url';
import { DistributedImport } from '../../src/index';
import { requireBuild, startWorker, type ChildWorker } from '../support/child-workers';
import { CountingTarget } from '../support/counting-target';

// Issue 27: one rate limit and one cap for the whole job, across 8 worker processes, measured
// by the target they call.
const WORKERS = 8;
const RECORDS = 20_000;
const BATCH_SIZE = 20;
const RATE = { records: 100, perMs: 1000 };
const LOWER_RATE = { records: 40, perMs: 1000 };
const CAP = 4;
/**
 * Each request takes this long at the target: one batch (one call at a time) sends at most ~40
 * a second, the 4 batches of the cap ~160, well above the limit.
 */
const SERVICE_MS = 20;
const schema = {
  fields: [
    { name: 'id', type: 'number' as const, required: true },
    { name: 'email', type: 'email' as const, required: true },
  ],
};
const workerScript = fileURLToPath(new URL('../fixtures/limits-worker.mjs', import.meta.url));

interface Rig {
  readonly store: DistributedStateStore;
  readonly env: Record<string, string>;
  /**
   * How far the job's rate bucket is booked ahead of the database clock, in ms (its limits
   * row's `readyAt` minus now): above 0 while every token up to then is granted (the fleet asks
   * as fast as the rate gives, or faster); 0 or less while tokens go unasked.
   */
  readonly bookedAheadMs: (jobId: string) => Promise<number>;
  readonly dispose: () => Promise<void>;
}

async function postgresRig(): Promise<Rig> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set (tests/global-setup.ts sets it)');
  const schemaName = `limits_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const store = new PostgresStateStore({ connectionString, schema: schemaName });
  await store.initialize();
  const reader = new pg.Pool({ connectionString, max: 1 });
  return {
    store,
    env: { STORE_KIND: 'postgres', DATABASE_URL: connectionString, PG_SCHEMA: schemaName },
    bookedAheadMs: async (jobId) => {
      const { rows } = await reader.query<{ ahead: string | number }>(
        `SELECT "readyAt" - extract(epoch FROM clock_timestamp()) * 1000 AS ahead
         FROM "${schemaName}"."job_limits" WHERE "jobId" = $1`,
        [jobId],
      );
      return Number(rows[0]?.ahead ?? Number.NaN);
    },
    dispose: async () => {
      await reader.end();
      await store.close();
      const admin = new pg.Pool({ connectionString, max: 1 });
      await admin.query(`DROP SCHEMA "${schemaName}" CASCADE`);
      await admin.end();
    },
  };
}

async function sqliteRig(): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'ba-limits-'));
  const file = join(dir, 'state.sqlite');
  const store = new SqliteStateStore({ filename: file });
  await store.initialize();
  const reader = new Database(file, { readonly: true });
  const ahead = reader.prepare<[string], { ahead: number }>(
    `SELECT "readyAt" - (julianday('now') - 2440587.5) * 86400000.0 AS ahead
     FROM "batchactions_job_limits" WHERE "jobId" = ?`,
  );
  return {
    store,
    env: { STORE_KIND: 'sqlite', SQLITE_FILE: file },
    bookedAheadMs: (jobId) => Promise.resolve(ahead.get(jobId)?.ahead ?? Number.NaN),
    dispose: async () => {
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function csv(rows: number): string {
  const lines = ['id,email'];
  for (let i = 0; i < rows; i += 1) lines.push(`${String(i)},user${String(i)}@example.com`);
  return lines.join('\n');
}

/** Waits until `check` holds, looking every 20 ms, for at most `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

beforeAll(() => {
  requireBuild('state-postgres');
  requireBuild('state-sqlite');
});

describe.each([
  ['PostgreSQL', postgresRig],
  ['SQLite', sqliteRig],
])('job-wide limits across %s worker processes (issue 27)', (_name, makeRig) => {
  it('holds the rate and the cap, follows setLimits within a second, and slows the fleet on 429s', async () => {
    const rig = await makeRig();
    cleanups.push(rig.dispose);
    const target = new CountingTarget(SERVICE_MS);
    const url = await target.start();
    cleanups.push(() => target.close());

    const di = new DistributedImport({ schema, batchSize: BATCH_SIZE, stateStore: rig.store });
    const { jobId } = await di.prepare(new BufferSource(csv(RECORDS)), new CsvParser(), {
      rateLimit: RATE,
      maxConcurrentBatches: CAP,
    });
    expect((await di.getStatus(jobId)).limits).toMatchObject({
      rateLimit: RATE,
      maxConcurrentBatches: CAP,
    });

    const workers: ChildWorker[] = Array.from({ length: WORKERS }, (_, i) =>
      startWorker(
        {
          ...rig.env,
          JOB_ID: jobId,
          WORKER_ID: `w${String(i)}`,
          BATCH_SIZE: String(BATCH_SIZE),
          TARGET_URL: url,
        },
        workerScript,
      ),
    );
    cleanups.push(async () => {
      for (const w of workers) w.child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.done));
    });

    // Phase 1: the rate. Steady once every worker has started sending.
    await until(() => target.arrivals.length >= 50, 30_000, 'the first requests');
    const steadyFrom = Date.now() + 1000;
    await sleep(1000);
    // Through the steady span, how often the rate bucket was booked ahead (see bookedAheadMs).
    const booked: boolean[] = [];
    while (Date.now() < steadyFrom + 2500) {
      const ahead = await rig.bookedAheadMs(jobId);
      expect(ahead).not.toBeNaN();
      booked.push(ahead > 0);
      await sleep(25);
    }
    const steadyTo = Date.now();
    // The limiter hands out time slots, and a token is spent no earlier than its slot; a worker
    // the machine holds back spends its late tokens together, so any one window may also hold
    // the late tokens of the leases in flight (at most one lease per batch of the cap). Over
    // the whole span the count stays at the rate, give or take those leases.
    const lease = leaseSizeOf(RATE);
    expect(target.maxInSpan(steadyFrom - 1000, steadyTo, RATE.perMs)).toBeLessThanOrEqual(
      RATE.records + CAP * lease,
    );
    expect(target.countBetween(steadyFrom, steadyTo)).toBeLessThanOrEqual(
      (RATE.records * (steadyTo - steadyFrom)) / RATE.perMs + CAP * lease,
    );
    const steadyRate = (target.countBetween(steadyFrom, steadyTo) * 1000) / (steadyTo - steadyFrom);
    // The limiter does not hold the fleet far below the rate. Either the fleet sends at least
    // three quarters of it (85-89% measured with a busy loop per core beside 8 processes), or,
    // on a machine too busy for 8 processes to send that many, the bucket was not booked ahead
    // for a good share of the span: tokens went unasked, so the fleet, not the limiter, fell
    // short (CI at load 12 reached 27-44% of the rate; with 8 busy loops beside the test, 75-91%
    // of the rate came with the bucket booked 78-87% of the span). A limiter that held the fleet
    // below the rate keeps every token booked ahead, workers queued for the next one: with the
    // job's rate set to 40 a second here, the bucket was booked in 100% of the samples.
    const bookedShare = booked.filter(Boolean).length / booked.length;
    if (steadyRate < 0.75 * RATE.records) {
      expect(bookedShare, `${String(steadyRate)} records/s`).toBeLessThan(0.95);
    }
    // The cap, at every instant: the target never had more requests in flight.
    expect(target.maxInFlight).toBeLessThanOrEqual(CAP);

    // Phase 2: a lower rate, acknowledged by the store, in force within a second.
    expect(await di.setLimits(jobId, { rateLimit: LOWER_RATE })).toBe(true);
    const changedAt = Date.now();
    expect((await di.getStatus(jobId)).limits?.rateLimit).toEqual(LOWER_RATE);
    await sleep(3000);
    const lowerFrom = changedAt + 1000;
    const lowerTo = Date.now();
    const lowerLease = leaseSizeOf(LOWER_RATE);
    expect(target.maxInSpan(lowerFrom, lowerTo, LOWER_RATE.perMs)).toBeLessThanOrEqual(
      LOWER_RATE.records + CAP * Math.max(lease, lowerLease),
    );
    expect(target.countBetween(lowerFrom, lowerTo)).toBeLessThanOrEqual(
      (LOWER_RATE.records * (lowerTo - lowerFrom)) / LOWER_RATE.perMs + CAP * lease,
    );
    const lowerRate = (target.countBetween(lowerFrom, lowerTo) * 1000) / (lowerTo - lowerFrom);
    expect(lowerRate).toBeGreaterThanOrEqual(0.75 * LOWER_RATE.records);

    // Phase 3: back to the first rate, then a storm of 429s with Retry-After: 0.5 s.
    await di.setLimits(jobId, { rateLimit: RATE });
    await sleep(1500);
    const beforeStorm = Date.now();
    const normalRate = (target.countBetween(beforeStorm - 1000, beforeStorm) * 1000) / 1000;
    target.storm = true;
    await sleep(2000);
    target.storm = false;
    const stormEnd = Date.now();
    await sleep(1000);
    const afterStorm = Date.now();
    const stormRate =
      (target.countBetween(beforeStorm, stormEnd) * 1000) / (stormEnd - beforeStorm);
    const recoveringRate =
      (target.countBetween(stormEnd, afterStorm) * 1000) / (afterStorm - stormEnd);
    expect(target.tooManyRequests).toBeGreaterThan(0);
    // The whole fleet slowed down: far below the rate it had, during the storm and after it.
    expect(stormRate).toBeLessThan(0.5 * normalRate);
    expect(recoveringRate).toBeLessThan(0.75 * RATE.records);
    const status = await di.getStatus(jobId);
    expect(status.limits?.effectiveRecords).toBeLessThan(RATE.records);

    // Phase 4: no rate any more (removed: null); the cap alone holds, at every instant.
    await di.setLimits(jobId, { rateLimit: null });
    const unlimitedFrom = Date.now();
    await until(() => target.countBetween(unlimitedFrom, Date.now()) > 100, 20_000, 'fast calls');
    target.resetMaxInFlight();
    await sleep(1500);
    expect(target.maxInFlight).toBeLessThanOrEqual(CAP);
    expect(target.maxInFlight).toBeGreaterThanOrEqual(CAP - 1);
    expect((await di.getStatus(jobId)).limits).toEqual({ maxConcurrentBatches: CAP });

    // The end: cancel; every worker stops.
    await di.cancel(jobId);
    const ends = await Promise.all(workers.map((w) => w.done));
    for (const end of ends) expect(end.code, end.stderr).toBe(0);
    const reports = ends.map((end) => end.report as unknown as { throttles: number });
    // More than one worker met a 429, and every one was slowed: the storm reached the fleet.
    expect(reports.filter((r) => r.throttles > 0).length).toBeGreaterThan(1);
  });
});
