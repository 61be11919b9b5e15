import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PrismaStateStore } from '@batchactions/state-prisma';
import { LATEST_SCHEMA_VERSION, toQuestionMarks } from '@batchactions/state-sql';
import {
  createTestDatabase,
  DATABASES,
  type PrismaTestDatabase,
  type TestDatabaseKind,
  type TestPrismaClient,
} from './support/databases';
import { createPublishedPrismaTables, publishedJson } from './support/published-models';
import { expectOneWorkerFinishes } from '../../state-sequelize/tests/support/finish-job';

const schema = {
  fields: [
    { name: 'email', type: 'email' as const, required: true },
    { name: 'name', type: 'string' as const, required: true },
  ],
};

/** Runs `sql` (`$n` placeholders) on `kind`'s database; JSON parameters cast where needed. */
async function run(
  prisma: TestPrismaClient,
  kind: TestDatabaseKind,
  sql: string,
  values: unknown[],
): Promise<void> {
  const text = kind === 'mariadb' ? sql.replaceAll('"', '`') : sql;
  const bound = kind === 'postgres' ? { sql: text, values } : toQuestionMarks(text, values);
  await prisma.$executeRawUnsafe(bound.sql, ...bound.values);
}

/** `$n` as a JSON parameter: PostgreSQL casts the text, the others store it as given. */
const json = (kind: TestDatabaseKind, n: number) =>
  kind === 'postgres' ? `CAST($${String(n)} AS jsonb)` : `$${String(n)}`;

/**
 * What 0.0.3's `DistributedImport.prepare` left behind, written the way it wrote it: records
 * through `createMany` (status pending, parsed = raw), the job row with the batch list in its
 * `batches` JSON, every JSON value double-encoded, and no batch rows (defect 1).
 */
async function writePublishedJob(
  prisma: TestPrismaClient,
  kind: TestDatabaseKind,
): Promise<{ jobId: string; emails: string[] }> {
  const jobId = randomUUID();
  const emails = Array.from({ length: 5 }, (_, i) => `user${String(i)}@example.com`);
  const batchIds = [randomUUID(), randomUUID()];
  for (const [i, email] of emails.entries()) {
    const raw = publishedJson({ email, name: `User ${String(i)}` });
    await run(
      prisma,
      kind,
      `INSERT INTO "batchactions_records" ("jobId", "batchId", "recordIndex", "status", "raw", "parsed", "errors")
       VALUES ($1, $2, $3, 'pending', ${json(kind, 4)}, ${json(kind, 5)}, ${json(kind, 6)})`,
      [jobId, batchIds[i < 3 ? 0 : 1], i, raw, raw, publishedJson([])],
    );
  }
  const entry = (index: number, start: number, end: number) => ({
    id: batchIds[index],
    index,
    status: 'PENDING',
    records: [],
    processedCount: 0,
    failedCount: 0,
    recordStartIndex: start,
    recordEndIndex: end,
  });
  await run(
    prisma,
    kind,
    `INSERT INTO "batchactions_jobs" ("id", "status", "config", "batches", "totalRecords", "startedAt", "distributed")
     VALUES ($1, 'PROCESSING', ${json(kind, 2)}, ${json(kind, 3)}, $4, $5, true)`,
    [
      jobId,
      publishedJson({ schema, batchSize: 3, continueOnError: true }),
      publishedJson([entry(0, 0, 2), entry(1, 3, 4)]),
      emails.length,
      Date.now(),
    ],
  );
  return { jobId, emails };
}

/** The names of the indexes of `table` (SQLite's automatic primary-key indexes left out). */
async function indexNames(
  prisma: TestPrismaClient,
  kind: TestDatabaseKind,
  table: string,
): Promise<string[]> {
  const sql = {
    postgres:
      'SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1',
    mariadb:
      'SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    sqlite:
      "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_autoindex%'",
  }[kind];
  const rows = await prisma.$queryRawUnsafe<{ name: string }[]>(sql, table);
  return rows.map((row) => row.name).sort();
}

describe.each(DATABASES)('upgrading tables made from the published 0.0.3 models (%s)', (kind) => {
  let database: PrismaTestDatabase;
  const open: TestPrismaClient[] = [];
  afterEach(async () => {
    for (const client of open.splice(0)) await client.$disconnect();
    await database.drop();
  });

  it('migrates them in place, reads the double-encoded rows and finishes the job 0.0.3 left unclaimable', async () => {
    database = await createTestDatabase(kind, 'prisma upgrade');
    const prisma = await database.connect();
    open.push(prisma);
    await createPublishedPrismaTables(prisma, kind);
    const { jobId, emails } = await writePublishedJob(prisma, kind);

    const store = new PrismaStateStore(prisma);
    const before = await store.getJobState(jobId);
    expect(before?.config).toEqual({ schema, batchSize: 3, continueOnError: true });
    expect(before?.status).toBe('PROCESSING');

    await expectOneWorkerFinishes(store, schema, jobId, emails, 'upgraded-worker');
    const job = await store.getJobState(jobId);
    expect(job?.status).toBe('COMPLETED');
    expect(job?.batches.map((b) => [b.index, b.recordStartIndex, b.recordEndIndex])).toEqual([
      [0, 0, 2],
      [1, 3, 4],
    ]);
    const records = await store.getProcessedRecords(jobId);
    expect(records.map((r) => r.raw.email)).toEqual(emails);

    // New writes store native JSON; the store reads both encodings side by side.
    const newJob = randomUUID();
    await store.saveJobState({
      id: newJob,
      config: { batchSize: 2 },
      status: 'COMPLETED',
      batches: [],
      totalRecords: 1,
      startedAt: 1_700_000_000_000,
    });
    await store.saveProcessedRecord(newJob, 'b0', {
      index: 0,
      raw: { email: 'bad' },
      parsed: { email: 'bad' },
      status: 'invalid',
      errors: [{ field: 'email', message: 'bad email', code: 'TYPE_MISMATCH' }],
    });
    expect((await store.getJobState(newJob))?.config).toEqual({ batchSize: 2 });
    expect((await store.getFailedRecords(newJob))[0]?.errors[0]?.field).toBe('email');
    // Prisma's index names are gone: version 1 recreated them under the Sequelize names, and
    // the records' (jobId, status) index goes under either name.
    const recordIndexes = await indexNames(prisma, kind, 'batchactions_records');
    const batchIndexes = await indexNames(prisma, kind, 'batchactions_batches');
    expect([...recordIndexes, ...batchIndexes].filter((name) => name.includes('jobId'))).toEqual(
      [],
    );
    expect(recordIndexes).toEqual(
      expect.arrayContaining([
        'batchactions_records_job_id_batch_id',
        'batchactions_records_job_id_record_index',
      ]),
    );
    expect(batchIndexes).toEqual(
      expect.arrayContaining([
        'batchactions_batches_claim',
        'batchactions_batches_job_id_batch_index',
        'batchactions_batches_job_id_status',
      ]),
    );
    expect(await new PrismaStateStore(prisma).migrate()).toEqual({
      fromVersion: LATEST_SCHEMA_VERSION,
      toVersion: LATEST_SCHEMA_VERSION,
      applied: [],
    });
  });
});
