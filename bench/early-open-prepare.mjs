// The prepare of bench/early-open.mjs, in a process of its own (so that its peak RSS is the
// prepare's, not the benchmark's, which also wrote the CSV file and holds the workers' pipes):
// prepares FILE (CSV) on the store of the environment with OPEN_EARLY=1 or not, prints
// `{"open":jobId}` once the job is open to workers, then one JSON line with its times (epoch ms),
// counts and peak RSS (maxRSS, MB).
import { FilePathSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { freshStoreFromEnv, schema } from './shared.mjs';

const store = await freshStoreFromEnv(process.env);
const di = new DistributedImport({
  schema,
  batchSize: Number(process.env.BATCH_SIZE),
  stateStore: store,
});
const startedAt = Date.now();
let openedAt;
const result = await di.prepare(new FilePathSource(process.env.FILE), new CsvParser(), {
  openEarly: process.env.OPEN_EARLY === '1',
  onOpen: (jobId) => {
    openedAt = Date.now();
    process.stdout.write(`${JSON.stringify({ open: jobId })}\n`);
  },
});
const preparedAt = Date.now();
const maxRssMb = process.resourceUsage().maxRSS / 1024;
await store.close();
process.stdout.write(
  `${JSON.stringify({ jobId: result.jobId, totalRecords: result.totalRecords, startedAt, openedAt, preparedAt, maxRssMb })}\n`,
);
