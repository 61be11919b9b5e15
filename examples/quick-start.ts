import { FilePathSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { SqliteStateStore } from '@batchactions/state-sqlite';

export async function quickStart(csvFile: string, databaseFile: string): Promise<string[]> {
  const stateStore = new SqliteStateStore({ filename: databaseFile });
  await stateStore.initialize();

  const di = new DistributedImport({
    schema: {
      fields: [
        { name: 'email', type: 'email', required: true },
        { name: 'name', type: 'string', required: true },
        { name: 'role', type: 'string', required: false, defaultValue: 'user' },
      ],
    },
    batchSize: 500,
    stateStore,
    continueOnError: true,
  });

  // Phase 1, once: stream the file into batches.
  const { jobId, totalRecords, totalBatches } = await di.prepare(
    new FilePathSource(csvFile),
    new CsvParser(),
  );
  console.log(`Job ${jobId}: ${totalRecords} records in ${totalBatches} batches`);

  // Phase 2, in every worker: claim and process batches until none is left.
  const imported: string[] = [];
  const workerId = `worker-${process.pid}`;
  for (;;) {
    const result = await di.processWorkerBatch(
      jobId,
      async (record) => {
        imported.push(String(record.email)); // your idempotent write goes here
        await Promise.resolve();
      },
      workerId,
    );
    if (!result.claimed || result.jobComplete) break;
  }

  await stateStore.close();
  return imported;
}
