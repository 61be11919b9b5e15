// One benchmark worker process: processes the job with a no-op processor and prints its counts.
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { freshStoreFromEnv, schema, uniqueEmailSchema } from './shared.mjs';

const store = await freshStoreFromEnv(process.env);
// UNIQUE_EMAILS=1: the schema's uniqueFields enforced across the job (bench/unique-fields.mjs).
const unique = process.env.UNIQUE_EMAILS === '1';
const di = new DistributedImport({
  schema: unique ? uniqueEmailSchema : schema,
  batchSize: Number(process.env.BATCH_SIZE),
  stateStore: store,
  jobWideUniqueFields: unique,
});
const startedAt = Date.now();
const result = await runWorker(di, process.env.JOB_ID, () => undefined, {
  workerId: process.env.WORKER_ID,
});
const endedAt = Date.now();
process.stdout.write(
  `${JSON.stringify({ ...result, startedAt, endedAt, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
await store.close();
