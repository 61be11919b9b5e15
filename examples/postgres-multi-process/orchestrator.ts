/**
 * Several worker processes on one PostgreSQL database: the orchestrator writes a sample CSV,
 * prepares it once, starts WORKERS worker processes (default 3) and waits for them, then checks
 * that the job is complete and that every valid row was inserted exactly once. In production the
 * workers run on other machines and get the job id from a queue; here they are child processes.
 *
 *   DATABASE_URL=postgres://user@host/db npx tsx examples/postgres-multi-process/orchestrator.ts
 *
 * DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test; PG_SCHEMA (default
 * batchactions) is the schema that holds the jobs and the table imported_users.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FilePathSource } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { openImporter, schemaName } from './setup.js';

const rows = 20_000;
const workers = Number(process.env.WORKERS ?? 3);

// A sample file: every 1,000th row has an invalid email.
const csvFile = join(tmpdir(), `users-${process.pid}.csv`);
const lines = ['email,name'];
for (let i = 1; i <= rows; i += 1) {
  lines.push(`${i % 1000 === 0 ? `user${i}-at-example.com` : `user${i}@example.com`},User ${i}`);
}
writeFileSync(csvFile, `${lines.join('\n')}\n`);

const { importer, users, close } = await openImporter();
const { jobId, totalRecords, totalBatches } = await importer.prepare(
  new FilePathSource(csvFile),
  new CsvParser(),
);
console.log(`prepared job ${jobId}: ${totalRecords} records in ${totalBatches} batches`);

// The worker file next to this one, with the same extension (.ts under tsx, .js once compiled).
const here = fileURLToPath(import.meta.url);
const workerFile = join(here, '..', `worker${extname(here)}`);
const exitCodes = await Promise.all(
  Array.from(
    { length: workers },
    () =>
      new Promise<number | null>((resolve, reject) => {
        const child = fork(workerFile, [jobId], { execArgv: process.execArgv });
        child.on('error', reject);
        child.on('exit', (code) => {
          resolve(code);
        });
      }),
  ),
);

const status = await importer.getStatus(jobId);
const inserted = await users.query<{ n: string }>(
  `SELECT count(*) AS n FROM "${schemaName}".imported_users WHERE email LIKE $1`,
  [`%@example.com`],
);
const { processedRecords, failedRecords } = status.progress;
console.log(
  `job ${jobId}: ${status.status}, ${processedRecords} processed, ${failedRecords} failed; ` +
    `${inserted.rows[0]?.n} users in ${schemaName}.imported_users`,
);
await close();

const invalid = Math.floor(rows / 1000);
if (
  exitCodes.some((code) => code !== 0) ||
  status.status !== 'COMPLETED' ||
  processedRecords !== rows - invalid ||
  failedRecords !== invalid ||
  Number(inserted.rows[0]?.n) !== rows - invalid
) {
  console.error(`unexpected outcome (worker exit codes ${exitCodes.join(', ')})`);
  process.exitCode = 1;
}
