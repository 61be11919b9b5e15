import type { BulkProcessor, DistributedStateStore, RecordProcessorFn } from '@batchactions/core';
import {
  DistributedImport,
  type DistributedBatchResult,
  type DistributedImportConfig,
} from '../../src/index';

/** Runs the README's worker loop until no batch is left or the job completes. */
export async function workerLoop(
  di: DistributedImport,
  jobId: string,
  processor: RecordProcessorFn | BulkProcessor,
  workerId: string,
): Promise<DistributedBatchResult[]> {
  const results: DistributedBatchResult[] = [];
  for (;;) {
    const result = await di.processWorkerBatch(jobId, processor, workerId);
    results.push(result);
    if (!result.claimed || result.jobComplete) return results;
  }
}

/** CSV text with a header and `rows` rows: id, email, name. `bad(i)` makes row i's email invalid. */
export function usersCsv(rows: number, bad: (i: number) => boolean = () => false): string {
  const lines = ['id,email,name'];
  for (let i = 0; i < rows; i += 1) {
    lines.push(`${i},${bad(i) ? 'not-an-email' : `user${i}@example.com`},User ${i}`);
  }
  return lines.join('\n') + '\n';
}

export const usersSchema = {
  fields: [
    { name: 'id', type: 'number' as const, required: true },
    { name: 'email', type: 'email' as const, required: true },
    { name: 'name', type: 'string' as const, required: true },
  ],
};

/**
 * A `DistributedImport` of {@link usersSchema} on `store`, values coerced, batches of 5, with
 * `extra` on top: the importer of the acceptance tests.
 */
export function usersImporter(
  store: DistributedStateStore,
  extra: Partial<DistributedImportConfig> = {},
): DistributedImport {
  return new DistributedImport({
    coerceValues: true,
    schema: usersSchema,
    batchSize: 5,
    stateStore: store,
    ...extra,
  });
}
