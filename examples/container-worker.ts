/**
 * A long-running worker for containers (ECS, Kubernetes): processes one job with two batches in
 * flight, and shuts down gracefully. The first SIGTERM stops new claims and lets batches in
 * flight finish and be written; a second one aborts them (they are released for other workers).
 *
 *   JOB_ID=... DATABASE_URL=postgres://... node container-worker.js
 */
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { PostgresStateStore } from '@batchactions/state-postgres';

export async function main(jobId: string, connectionString: string): Promise<void> {
  const stateStore = new PostgresStateStore({ connectionString });
  await stateStore.initialize();
  const importer = new DistributedImport({
    schema: {
      fields: [
        { name: 'sku', type: 'string', required: true },
        { name: 'qty', type: 'number' },
      ],
    },
    batchSize: 1000,
    stateStore,
    maxRetries: 2,
    retryDelayMs: 200,
  });

  const stop = new AbortController();
  const abort = new AbortController();
  process.on('SIGTERM', () => {
    if (stop.signal.aborted) abort.abort(new Error('second SIGTERM'));
    else stop.abort(new Error('SIGTERM'));
  });

  const result = await runWorker(
    importer,
    jobId,
    async (record, context) => {
      // Pass context.signal to your client so a cancelled job or a shutdown stops the call.
      await fetchInventory(String(record.sku), context.signal);
    },
    { concurrency: 2, stopSignal: stop.signal, abortSignal: abort.signal },
  );
  console.log(
    `${result.workerId}: ${result.batches} batches, ${result.processed} processed, ${result.failed} failed (${result.stoppedBy})`,
  );
  await stateStore.close();
}

async function fetchInventory(sku: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error(`aborted before updating ${sku}`);
  await Promise.resolve();
}

if (process.env.JOB_ID && process.env.DATABASE_URL) {
  await main(process.env.JOB_ID, process.env.DATABASE_URL);
}
