/**
 * An AWS Lambda worker fed by SQS: each message carries `{ jobId }`; the handler processes
 * batches until the job is done or the Lambda's remaining time runs low, then returns. Send one
 * message per worker you want (the orchestrator fans out N messages after `prepare`).
 *
 * The Lambda types are written out here (only the fields used) so the example has no dependency
 * on @types/aws-lambda.
 */
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { PostgresStateStore } from '@batchactions/state-postgres';
import type { ParsedRecord } from '@batchactions/core';

interface SqsEvent {
  readonly Records: readonly { readonly body: string }[];
}
interface LambdaContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

// Created once per Lambda container and reused across invocations.
const stateStore = new PostgresStateStore({
  connectionString: process.env.DATABASE_URL ?? 'postgres://localhost/app',
  poolSize: 2,
});
const ready = stateStore.initialize();

const importer = new DistributedImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'name', type: 'string', required: true },
    ],
  },
  batchSize: 500,
  stateStore,
  staleBatchTimeoutMs: 5 * 60_000, // longer than the Lambda timeout
});

async function saveUser(record: ParsedRecord): Promise<void> {
  // Idempotent write: a batch may run twice if a Lambda dies mid-batch.
  await Promise.resolve(record);
}

export async function handler(event: SqsEvent, context: LambdaContext): Promise<void> {
  await ready;
  for (const message of event.Records) {
    const { jobId } = JSON.parse(message.body) as { jobId: string };
    const result = await runWorker(importer, jobId, saveUser, {
      workerId: context.awsRequestId,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      deadlineMarginMs: 10_000,
    });
    if (result.stoppedBy === 'deadline') {
      // Batches are left for the next invocation; re-enqueue `{ jobId }` to continue.
      console.log(
        `worker ${result.workerId} stopped before the deadline after ${result.batches} batches`,
      );
    }
  }
}
