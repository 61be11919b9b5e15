// Benchmark: latency of the dashboard's API on PostgreSQL with a 1,000,000-record job in 2,000
// batches, half done, 3% of the done records invalid, 4 batches in flight. Measures each
// request the page makes on a refresh (jobs page, job page with its full batch grid, the first
// page of failed records, a grid hover) and prints p50/p95/max, plus the query plans of the two
// listing queries (no scan of the records table).
// Usage: npm run build && DATABASE_URL=postgres://... node bench/dashboard.mjs [--rows 1000000]
//                                   [--batch-size 500] [--requests 300]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, startDashboardServer } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { schema, usersCsvLines } from './shared.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '500' },
    requests: { type: 'string', default: '300' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const requests = Number(values.requests);
const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const pgSchema = `bench_dash_${randomUUID().replaceAll('-', '').slice(0, 8)}`;

const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-dash-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));

const store = new PostgresStateStore({ connectionString, schema: pgSchema });
await store.initialize();
const admin = new pg.Pool({ connectionString, max: 1 });
const t = (name) => `"${pgSchema}"."${name}"`;

try {
  let started = performance.now();
  const di = new DistributedImport({ schema, batchSize, stateStore: store });
  const { jobId, totalBatches } = await di.prepare(new FilePathSource(csvFile), new CsvParser());
  console.log(
    `prepared ${rows} records in ${totalBatches} batches in ${Math.round(performance.now() - started)} ms`,
  );

  // Half the batches done, 3% of their records invalid, 4 in flight: the state of a job being
  // worked on, written directly (processing a million records is not what is measured here).
  started = performance.now();
  const half = Math.floor(totalBatches / 2);
  const invalidErrors = JSON.stringify([
    { field: 'email', message: 'Field email must be a valid email', code: 'TYPE_MISMATCH' },
  ]);
  await admin.query(
    `UPDATE ${t('records')} r
     SET "status" = CASE WHEN r."recordIndex" % 33 = 7 THEN 'invalid' ELSE 'processed' END,
         "errors" = CASE WHEN r."recordIndex" % 33 = 7 THEN $3::json ELSE r."errors" END
     FROM ${t('batches')} b
     WHERE r."jobId" = $1 AND b."jobId" = $1 AND r."batchId" = b."id" AND b."batchIndex" < $2`,
    [jobId, half, invalidErrors],
  );
  await admin.query(
    `UPDATE ${t('batches')} b
     SET "status" = 'COMPLETED', "attempt" = 1, "workerId" = 'worker-' || (b."batchIndex" % 4),
         "claimedAt" = (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 600000,
         "completedAt" = (extract(epoch FROM clock_timestamp()) * 1000)::bigint - 600000
                         + 200 + b."batchIndex" % 500,
         "failedCount" = (SELECT count(*) FROM ${t('records')} r
                          WHERE r."jobId" = $1 AND r."batchId" = b."id" AND r."status" = 'invalid'),
         "processedCount" = (SELECT count(*) FROM ${t('records')} r
                             WHERE r."jobId" = $1 AND r."batchId" = b."id" AND r."status" = 'processed')
     WHERE b."jobId" = $1 AND b."batchIndex" < $2`,
    [jobId, half],
  );
  await admin.query(
    `UPDATE ${t('batches')} SET "status" = 'PROCESSING', "attempt" = 1,
            "workerId" = 'worker-' || ("batchIndex" % 4),
            "claimedAt" = (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
            "completedAt" = (extract(epoch FROM clock_timestamp()) * 1000)::bigint
     WHERE "jobId" = $1 AND "batchIndex" >= $2 AND "batchIndex" < $2 + 4`,
    [jobId, half],
  );
  await admin.query(`ANALYZE ${t('records')}`);
  await admin.query(`ANALYZE ${t('batches')}`);
  console.log(`set the job half done in ${Math.round(performance.now() - started)} ms`);

  // What one job-page refresh is made of: each store call alone, sequentially.
  const calls = [
    ['getJobDetails', () => store.getJobDetails(jobId)],
    ['getJobProgress', () => store.getJobProgress(jobId)],
    ['getDistributedStatus', () => store.getDistributedStatus(jobId)],
    ['listBatchesInFlight', () => store.listBatchesInFlight(jobId)],
    ['listBatches (all)', () => store.listBatches(jobId, { limit: 5000 })],
    ['listBatchStatuses (all)', () => store.listBatchStatuses(jobId, { limit: 5000 })],
    ['listFailedRecords (26)', () => store.listFailedRecords(jobId, { limit: 26 })],
    ['listJobs', () => store.listJobs()],
    ['listJobs (search by file name)', () => store.listJobs({ search: 'users.csv' })],
  ];
  const callTimes = [];
  for (const [name, call] of calls) {
    for (let i = 0; i < 10; i += 1) await call();
    const times = [];
    for (let i = 0; i < 100; i += 1) {
      const begin = performance.now();
      await call();
      times.push(performance.now() - begin);
    }
    times.sort((a, b) => a - b);
    callTimes.push({ name, p50: times[50], p95: times[95] });
  }

  const server = await startDashboardServer({ store, port: 0 });
  const encoded = encodeURIComponent(jobId);
  const endpoints = [
    ['jobs page (GET api/jobs)', 'api/jobs'],
    ['jobs page, search by file name (GET api/jobs?q=users)', 'api/jobs?q=users'],
    [`job page refresh, ${totalBatches}-batch grid (GET api/jobs/<id>)`, `api/jobs/${encoded}`],
    ['failed records, first page of 25', `api/jobs/${encoded}/failed?limit=25`],
    ['failed records, page 100 of 25', `api/jobs/${encoded}/failed?after=${33 * 25 * 99}&limit=25`],
    ['grid hover: one batch', `api/jobs/${encoded}/batches?after=${half}&limit=1`],
    ['grid hover: one finished batch', `api/jobs/${encoded}/batches?after=0&limit=1`],
  ];
  const results = [];
  for (const [name, path] of endpoints) {
    const url = new URL(path, server.url);
    for (let i = 0; i < 20; i += 1) await (await fetch(url)).arrayBuffer();
    const times = [];
    let bytes = 0;
    for (let i = 0; i < requests; i += 1) {
      const begin = performance.now();
      const res = await fetch(url);
      const body = await res.arrayBuffer();
      times.push(performance.now() - begin);
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      bytes = body.byteLength;
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    results.push({ name, p50: at(0.5), p95: at(0.95), max: times.at(-1), bytes });
  }
  await server.close();

  // A page opened for the first time: the dashboard has not seen the job's finished batches
  // yet and reads the whole grid (a fresh dashboard per request).
  const cold = [];
  for (let i = 0; i < 30; i += 1) {
    const fresh = await startDashboardServer({ store, port: 0 });
    const begin = performance.now();
    const res = await fetch(new URL(`api/jobs/${encoded}`, fresh.url));
    await res.arrayBuffer();
    cold.push(performance.now() - begin);
    await fresh.close();
  }
  cold.sort((a, b) => a - b);
  results.splice(3, 0, {
    name: `job page opened afresh (whole grid read; ${cold.length} requests)`,
    p50: cold[Math.floor(cold.length / 2)],
    p95: cold[Math.min(cold.length - 1, Math.floor(0.95 * cold.length))],
    max: cold.at(-1),
    bytes: results[2].bytes,
  });

  // The listing queries' plans: index scans on the job's rows, never a scan of the records table.
  const plan = async (sql, bind) =>
    (await admin.query(`EXPLAIN ${sql}`, bind)).rows.map((r) => r['QUERY PLAN']).join('\n');
  const batchPlan = await plan(
    `SELECT "id", "status" FROM ${t('batches')} WHERE "jobId" = $1 AND "batchIndex" > $2 ORDER BY "batchIndex" LIMIT 5000`,
    [jobId, -1],
  );
  const failedPlan = await plan(
    `SELECT "recordIndex" FROM ${t('records')} WHERE "jobId" = $1 AND "status" IN ('invalid', 'failed') AND "recordIndex" > $2 ORDER BY "recordIndex" LIMIT 26`,
    [jobId, -1],
  );

  const ms = (v) => v.toFixed(1);
  const lines = [
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL on localhost.`,
    `Job: ${rows.toLocaleString('en-US')} records in ${totalBatches.toLocaleString('en-US')} batches, half done, 3% of the done records invalid, 4 batches in flight. ${requests} sequential requests per row, after 20 warm-up ones.`,
    '',
    '| Request | p50 ms | p95 ms | max ms | answer bytes |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.max)} | ${r.bytes.toLocaleString('en-US')} |`,
    ),
  ];
  lines.push(
    '',
    '| Store call (alone, 100 times) | p50 ms | p95 ms |',
    '| --- | ---: | ---: |',
    ...callTimes.map((c) => `| \`${c.name}\` | ${ms(c.p50)} | ${ms(c.p95)} |`),
  );
  console.log(`\n${lines.join('\n')}\n`);
  console.log(`listBatches plan:\n${batchPlan}\n\nlistFailedRecords plan:\n${failedPlan}`);
} finally {
  await store.close();
  await admin.query(`DROP SCHEMA "${pgSchema}" CASCADE`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}
