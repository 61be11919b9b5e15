/**
 * Runs the handler of `lambda-sqs-worker.ts` on this machine the way AWS would: prepares a job,
 * then invokes the handler with an SQS-shaped event and a context whose
 * `getRemainingTimeInMillis` runs out during the first invocation. That invocation stops before
 * its deadline and hands the message back; the second one finishes the job.
 *
 *   SQLITE_FILE=/tmp/jobs.sqlite npx tsx examples/lambda-invoke-locally.ts
 *   DATABASE_URL=postgres://... npx tsx examples/lambda-invoke-locally.ts
 */
import { writeFileSync } from 'node:fs';
import { FilePathSource } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { handler, importer, ready, stateStore, type LambdaContext } from './lambda-sqs-worker.js';

const rows = 5_000;
const csvFile = process.env.CSV_FILE ?? 'lambda-users.csv';
const lines = ['email,name'];
for (let i = 1; i <= rows; i += 1) lines.push(`user${i}@example.com,User ${i}`);
writeFileSync(csvFile, `${lines.join('\n')}\n`);

// The orchestrator: store the file in batches, then send { jobId } to the queue.
await ready;
const { jobId, totalBatches } = await importer.prepare(
  new FilePathSource(csvFile),
  new CsvParser(),
);
console.log(`prepared job ${jobId}: ${rows} records in ${totalBatches} batches`);
const event = { Records: [{ messageId: 'message-1', body: JSON.stringify({ jobId }) }] };

/** A Lambda context with `remaining(n)` ms left at the n-th reading of the clock. */
function contextWith(awsRequestId: string, remaining: (reading: number) => number): LambdaContext {
  let readings = 0;
  return { awsRequestId, getRemainingTimeInMillis: () => remaining((readings += 1)) };
}

// Invocation 1: 60 s left for three readings, then 9 s: less than the handler's 10 s margin.
const first = await handler(
  event,
  contextWith('invocation-1', (reading) => (reading <= 3 ? 60_000 : 9_000)),
);
console.log(`invocation 1 handed back ${first.batchItemFailures.length} message(s)`);

// SQS delivers the message again; this invocation has 15 minutes.
const second = await handler(
  event,
  contextWith('invocation-2', () => 900_000),
);
console.log(`invocation 2 handed back ${second.batchItemFailures.length} message(s)`);

const status = await importer.getStatus(jobId);
const { processedRecords, failedRecords } = status.progress;
console.log(
  `job ${jobId}: ${status.status}, ${processedRecords} processed, ${failedRecords} failed`,
);
await stateStore.close();

const expected =
  first.batchItemFailures.length === 1 &&
  second.batchItemFailures.length === 0 &&
  status.status === 'COMPLETED' &&
  processedRecords === rows;
if (!expected) {
  console.error('unexpected outcome: the first invocation should stop early, the second finish');
  process.exitCode = 1;
}
