import { expect } from 'vitest';
import type { DistributedStateStore } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';

type Schema = ConstructorParameters<typeof DistributedImport>[0]['schema'];

/**
 * One worker loop of the published quick start runs job `jobId` to its end on `store`: it is the
 * one finaliser, and its processor gets exactly the records whose `email` is in `emails`, each
 * once. The upgrade tests finish with it a job an earlier version of the tables holds.
 */
export async function expectOneWorkerFinishes(
  store: DistributedStateStore,
  schema: Schema,
  jobId: string,
  emails: readonly string[],
  workerId: string,
): Promise<void> {
  const di = new DistributedImport({ schema, stateStore: store });
  const processed: string[] = [];
  let finalisers = 0;
  for (;;) {
    const result = await di.processWorkerBatch(
      jobId,
      (record) => {
        processed.push(String(record.email));
      },
      workerId,
    );
    if (result.jobComplete) finalisers += 1;
    if (!result.claimed || result.jobComplete) break;
  }
  expect(finalisers).toBe(1);
  expect(processed.sort()).toEqual([...emails].sort());
}
