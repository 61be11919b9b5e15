import { writeFileSync } from 'node:fs';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { SqliteStateStore } from '@batchactions/state-sqlite';

// A sample file: 1,000 users, every 100th with an invalid email.
const lines = ['email,name'];
for (let i = 1; i <= 1000; i += 1) {
  lines.push(`${i % 100 === 0 ? 'not-an-email' : `user${i}@example.com`},User ${i}`);
}
writeFileSync('users.csv', lines.join('\n'));

// The state store: an SQLite file that every worker process on this machine can share.
const stateStore = new SqliteStateStore({ filename: 'jobs.sqlite' });
await stateStore.initialize();

const di = new DistributedImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'name', type: 'string', required: true },
    ],
  },
  batchSize: 100,
  stateStore,
});

// Phase 1, once: stream the file into batches of 100 records.
const { jobId, totalRecords, totalBatches } = await di.prepare(
  new FilePathSource('users.csv'),
  new CsvParser(),
);
console.log(`job ${jobId}: ${totalRecords} records in ${totalBatches} batches`);

// Phase 2, in every worker: claim a batch, process its valid records, until none is left.
const users = new Map(); // stands in for your database table
for (;;) {
  const result = await di.processWorkerBatch(
    jobId,
    (record) => {
      users.set(record.email, record); // an upsert keyed by email: running a record twice is harmless
    },
    'worker-1',
  );
  if (!result.claimed || result.jobComplete) break;
}

const { progress } = await di.getStatus(jobId);
console.log(`${progress.processedRecords} processed, ${progress.failedRecords} failed`);
console.log(`${users.size} users saved; the invalid rows, with their row numbers and errors:`);
console.log(await di.exportFailedRecords(jobId));
await stateStore.close();
