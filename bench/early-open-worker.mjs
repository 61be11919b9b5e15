// A warm benchmark worker for bench/early-open.mjs: opens the store, then waits for a job id on
// stdin (as a worker fleet that is already running), processes the job with a no-op processor
// and prints its counts and times (epoch ms) as one JSON line.
import { createInterface } from 'node:readline';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { freshStoreFromEnv, schema } from './shared.mjs';

const store = await freshStoreFromEnv(process.env);
const di = new DistributedImport({
  schema,
  batchSize: Number(process.env.BATCH_SIZE),
  stateStore: store,
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const lines = createInterface({ input: process.stdin });
const jobId = await new Promise((resolve) => lines.once('line', resolve));
lines.close();
const startedAt = Date.now();
let firstBatchAt;
const result = await runWorker(di, jobId, () => undefined, {
  workerId: process.env.WORKER_ID,
  pollIntervalMs: 100,
  onBatch: () => {
    firstBatchAt ??= Date.now();
  },
});
const endedAt = Date.now();
process.stdout.write(
  `${JSON.stringify({ ...result, startedAt, firstBatchAt, endedAt, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
await store.close();
