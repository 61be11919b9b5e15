// One worker process of the SequelizeStateStore benchmark: no-op processor, prints its counts.
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { schema } from './shared.mjs';
import { storeFromEnv } from './state-sequelize-stores.mjs';

const { store, close } = await storeFromEnv(process.env);
const di = new DistributedImport({
  schema,
  batchSize: Number(process.env.BATCH_SIZE),
  stateStore: store,
});
const startedAt = Date.now();
const cpuAtStart = process.cpuUsage();
const result = await runWorker(di, process.env.JOB_ID, () => undefined, {
  workerId: process.env.WORKER_ID,
});
const endedAt = Date.now();
const { user, system } = process.cpuUsage(cpuAtStart);
if (process.env.STORE_TIMINGS === '1') {
  // The worker loop's CPU only (start-up excluded), what a store costs the worker per record.
  process.stderr.write(
    `[${process.env.WORKER_ID}] loop cpu ${Math.round((user + system) / 1000)} ms\n`,
  );
}
process.stdout.write(`${JSON.stringify({ ...result, startedAt, endedAt })}\n`);
await close();
