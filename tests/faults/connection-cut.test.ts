import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferSource, LeaseLostError } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { DistributedImport } from '../../src/index';
import { testDatabaseUrl } from '../support/postgres';

const RECORDS = 6_000;
const WORKERS = 3;

function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Whether an error is what cutting a connection produces: the server's `admin_shutdown` (57P01,
 * pg_terminate_backend), the driver's view of a dropped socket, or a failure that wraps only such
 * errors (a batch that failed and whose release failed too). Anything else is a bug the cut
 * exposed, and fails the test.
 */
function isCutError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.every(isCutError);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code === '57P01' || code === 'ECONNRESET' || code === 'EPIPE') return true;
  if (
    /Connection terminated|terminating connection due to administrator command|Client was closed|Client has encountered a connection error|read ECONNRESET/.test(
      error.message,
    )
  ) {
    return true;
  }
  return error.cause !== undefined && isCutError(error.cause);
}

/**
 * Workers whose database connections are killed under them (pg_terminate_backend, as a failover
 * or a network cut would) fail the calls in flight, reconnect, and carry on; batches they
 * abandoned are reclaimed. Every record still lands exactly once and the counts are exact.
 */
describe('PostgreSQL connections cut under running workers', () => {
  const schema = `cut_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const appName = `ba_cut_${randomUUID().slice(0, 8)}`;
  let admin: pg.Pool;

  beforeEach(async () => {
    admin = new pg.Pool({ connectionString: testDatabaseUrl(), max: 3 });
    await admin.query(`CREATE SCHEMA "${schema}"`);
    await admin.query(`CREATE TABLE "${schema}".target (id integer PRIMARY KEY)`);
  });
  afterEach(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('loses and double-counts nothing', async () => {
    const url = withApplicationName(testDatabaseUrl(), appName);
    const poolErrors: Error[] = [];
    const backgroundErrors: unknown[] = [];
    const stores = Array.from(
      { length: WORKERS },
      () =>
        new PostgresStateStore({
          connectionString: url,
          schema,
          poolSize: 2,
          onPoolError: (error) => poolErrors.push(error),
        }),
    );
    for (const store of stores) await store.initialize();
    const importerFor = (store: PostgresStateStore) =>
      new DistributedImport({
        schema: { fields: [{ name: 'id', type: 'number', required: true }] },
        batchSize: 50,
        stateStore: store,
        staleBatchTimeoutMs: 800,
        heartbeatIntervalMs: 200,
        // A cut every 60 ms on a loaded machine can cost one batch its lease more than the
        // default 5 times; quarantine (tested on its own) would then fail the job by design.
        maxBatchAttempts: 1_000,
        // Heartbeats on a cut connection fail and are retried; keep them out of the test output.
        onBackgroundError: (error) => backgroundErrors.push(error),
      });
    const lines = ['id', ...Array.from({ length: RECORDS }, (_, i) => String(i))];
    const { jobId } = await importerFor(stores[0]!).prepare(
      new BufferSource(lines.join('\n')),
      new CsvParser(),
    );

    let invocations = 0;
    const callErrors: unknown[] = [];
    const processor = async (record: Record<string, unknown>) => {
      invocations += 1;
      await admin.query(`INSERT INTO "${schema}".target (id) VALUES ($1) ON CONFLICT DO NOTHING`, [
        record.id,
      ]);
    };
    const observer = importerFor(stores[0]!);
    const resilientLoop = async (store: PostgresStateStore, workerId: string) => {
      const di = importerFor(store);
      for (;;) {
        try {
          const result = await di.processWorkerBatch(jobId, processor, workerId);
          if (result.jobComplete) return;
          if (!result.claimed) {
            if ((await observer.getStatus(jobId)).status !== 'PROCESSING') return;
            await sleep(100); // batches of dead connections are still leased: wait for reclaim
          }
        } catch (error) {
          callErrors.push(error);
          await sleep(20);
        }
      }
    };

    const stopCutting = new AbortController();
    let cuts = 0;
    const cutter = (async () => {
      while (!stopCutting.signal.aborted) {
        await sleep(60);
        const { rowCount } = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [appName],
        );
        cuts += rowCount ?? 0;
      }
    })();
    const loops = stores.map((store, i) => resilientLoop(store, `w${i}`));
    // Cut connections during the first part of the run, then let the job finish.
    await Promise.race([Promise.all(loops), sleep(1500)]);
    stopCutting.abort();
    await cutter;
    await Promise.all(loops);

    expect(cuts).toBeGreaterThan(0);
    expect(callErrors.length).toBeGreaterThan(0);
    // Only the errors the cut produces, nowhere: a TypeError in a write would be a bug. A
    // worker whose heartbeats kept failing on cut connections (or that the machine starved past
    // the 800 ms lease) loses its lease: its completion is refused with LeaseLostError, as
    // published, and the batch runs again elsewhere; the counts below show nothing doubled.
    const unexpected = [...callErrors, ...backgroundErrors, ...poolErrors].filter(
      (error) => !isCutError(error) && !(error instanceof LeaseLostError),
    );
    expect(unexpected).toEqual([]);
    const { rows } = await admin.query<{ n: string; d: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS d FROM "${schema}".target`,
    );
    expect([Number(rows[0]?.n), Number(rows[0]?.d)]).toEqual([RECORDS, RECORDS]);
    expect(invocations).toBeGreaterThanOrEqual(RECORDS);
    const status = await observer.getStatus(jobId);
    expect(
      status.status,
      JSON.stringify(
        (await stores[0]!.getJobState(jobId))?.batches.filter((b) => b.status !== 'COMPLETED'),
      ),
    ).toBe('COMPLETED');
    expect([status.progress.processedRecords, status.progress.failedRecords]).toEqual([RECORDS, 0]);
    const processed = await stores[0]!.getProcessedRecords(jobId);
    expect(new Set(processed.map((r) => r.index)).size).toBe(RECORDS);
    for (const store of stores) await store.close();
  }, 120_000);
});
