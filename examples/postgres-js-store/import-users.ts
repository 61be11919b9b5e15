/**
 * The postgres.js store at work: prepares 2,000 users (every 100th with an invalid email) and
 * processes them with two workers in this process, inserting the valid ones with postgres.js.
 *
 *   DATABASE_URL=postgres://user@host/db npx tsx examples/postgres-js-store/import-users.ts
 *
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test; PG_SCHEMA (default
 * batchactions_pgjs) is the schema that holds the jobs and the table imported_users: the store's
 * tables go to the first schema of the connection's search_path.
 */
import postgres from 'postgres';
import { BufferSource, type BulkProcessor } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { PostgresJsStateStore } from './postgres-js-state-store.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = process.env.PG_SCHEMA ?? 'batchactions_pgjs';

const setup = postgres(url, { max: 1, onnotice: () => undefined });
await setup.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
await setup.end();

const sql = postgres(url, {
  max: 10,
  connection: { search_path: schema },
  onnotice: () => undefined, // CREATE TABLE IF NOT EXISTS notices from the migrations
});
const stateStore = new PostgresJsStateStore(sql);
await stateStore.initialize(); // creates or migrates the tables; safe from many processes
await sql`CREATE TABLE IF NOT EXISTS imported_users (email text PRIMARY KEY, name text NOT NULL)`;

const importer = new DistributedImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'name', type: 'string', required: true },
    ],
  },
  batchSize: 200,
  stateStore,
});

const lines = ['email,name'];
for (let i = 1; i <= 2000; i += 1) {
  lines.push(`${i % 100 === 0 ? `user${i}-at-example.com` : `user${i}@example.com`},User ${i}`);
}
const { jobId, totalRecords, totalBatches } = await importer.prepare(
  new BufferSource(lines.join('\n')),
  new CsvParser(),
);
console.log(`prepared job ${jobId}: ${totalRecords} records in ${totalBatches} batches`);

// One insert per batch, idempotent: a batch runs again when its worker dies in the middle of it.
const insertUsers: BulkProcessor = {
  processBatch: async (records, context) => {
    context.signal.throwIfAborted();
    await sql`
      INSERT INTO imported_users (email, name)
      SELECT * FROM unnest(${records.map((r) => String(r.email))}::text[],
                           ${records.map((r) => String(r.name))}::text[])
      ON CONFLICT (email) DO NOTHING`;
  },
};
const results = await Promise.all(
  ['worker-1', 'worker-2'].map((workerId) => runWorker(importer, jobId, insertUsers, { workerId })),
);
for (const r of results)
  console.log(`${r.workerId}: ${r.batches} batches, ${r.processed} processed`);

const { status, progress } = await importer.getStatus(jobId);
const [inserted] = await sql<{ n: string }[]>`SELECT count(*) AS n FROM imported_users`;
console.log(
  `job ${jobId}: ${status}, ${progress.processedRecords} processed, ` +
    `${progress.failedRecords} failed; ${inserted?.n} users in ${schema}.imported_users`,
);
await sql.end(); // the store does not own the connection
