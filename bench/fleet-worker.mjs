// One process of bench/fleet.mjs: LOOPS worker loops (each its own runWorker, its own worker id)
// on one PostgresStateStore whose pool has one connection per loop. The processor waits
// PROCESSOR_MS_PER_RECORD × the batch's records (an I/O-bound processor: a call to an API or a
// database that is not the store), so the store's share of the work is what the fleet tests.
import { setTimeout as sleep } from 'node:timers/promises';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { schema } from './shared.mjs';

const loops = Number(process.env.LOOPS);
const perRecordMs = Number(process.env.PROCESSOR_MS_PER_RECORD);
const store = new PostgresStateStore({
  connectionString: process.env.DATABASE_URL,
  schema: process.env.PG_SCHEMA,
  poolSize: loops,
  batchPayloads: process.env.BATCH_PAYLOADS === '1',
  preparedStatements: process.env.PG_PREPARED === '1',
  asynchronousCommit: process.env.PG_ASYNC_COMMIT === '1',
});
await store.initialize();
const di = new DistributedImport({
  schema,
  batchSize: Number(process.env.BATCH_SIZE),
  stateStore: store,
});
const processor = perRecordMs > 0 ? () => sleep(perRecordMs) : () => undefined;
const startedAt = Date.now();
const results = await Promise.all(
  Array.from({ length: loops }, (_, i) =>
    runWorker(di, process.env.JOB_ID, processor, {
      workerId: `${process.env.WORKER_PREFIX}-${i}`,
    }),
  ),
);
const endedAt = Date.now();
const processed = results.reduce((n, r) => n + r.processed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
process.stdout.write(
  `${JSON.stringify({ processed, failed, startedAt, endedAt, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
await store.close();
