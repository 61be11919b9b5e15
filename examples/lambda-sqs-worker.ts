/**
 * An AWS Lambda worker fed by SQS. Each message carries `{ jobId }`; the handler processes the
 * job's batches until the job is over or the Lambda's remaining time runs low. The orchestrator
 * that called `prepare` sends one message per worker it wants.
 *
 * A message is done when its job is over. Otherwise (the deadline came, or other workers still
 * hold batches) the handler reports it in `batchItemFailures` (the SQS event source mapping needs
 * `ReportBatchItemFailures`), so SQS delivers it again after its visibility timeout and a later
 * invocation goes on, reclaiming the batches of workers that died meanwhile.
 *
 * The Lambda types are written out (only the fields used), so the example needs no
 * @types/aws-lambda. `lambda-invoke-locally.ts` runs this handler on your machine.
 */
import type { ParsedRecord, ProcessingContext } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';

export interface SqsEvent {
  readonly Records: readonly { readonly messageId: string; readonly body: string }[];
}
export interface LambdaContext {
  readonly awsRequestId: string;
  getRemainingTimeInMillis(): number;
}
/** SQS partial batch response: the messages listed go back to the queue. */
export interface SqsBatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}

// Memory: V8's default sizing takes a busy worker process to 110-130 MB, too close to a 128 MB
// function. Set NODE_OPTIONS=--max-semi-space-size=4 in the function's environment (or call
// limitYoungGeneration() from '@batchactions/distributed' here, first): 90-106 MB.
// See docs/operations.md, "Worker memory".

// Created once per Lambda container and reused by its invocations. PostgreSQL in production;
// without DATABASE_URL, an SQLite file (one machine only: for running the handler locally).
export const stateStore = process.env.DATABASE_URL
  ? new PostgresStateStore({ connectionString: process.env.DATABASE_URL, poolSize: 2 })
  : new SqliteStateStore({ filename: process.env.SQLITE_FILE ?? 'jobs.sqlite' });
/** Resolves once the store's schema is ready (awaited by every invocation). */
export const ready = stateStore.initialize();

export const importer = new DistributedImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'name', type: 'string', required: true },
    ],
  },
  batchSize: 500,
  stateStore,
  // A Lambda killed at its time limit stops heartbeating: its batch is reclaimed 15 s later
  // (leaseTimeoutMs). On a store without heartbeats, keep this above the Lambda timeout.
  staleBatchTimeoutMs: 5 * 60_000,
});

async function saveUser(record: ParsedRecord, context: ProcessingContext): Promise<void> {
  // Your idempotent write (an upsert keyed by email): a batch runs again if a Lambda dies in it.
  // Pass context.signal to your client, so a cancelled job or a lost lease stops the call.
  context.signal.throwIfAborted();
  await Promise.resolve(record);
}

export async function handler(event: SqsEvent, context: LambdaContext): Promise<SqsBatchResponse> {
  await ready;
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const message of event.Records) {
    const { jobId } = JSON.parse(message.body) as { jobId: string };
    const result = await runWorker(importer, jobId, saveUser, {
      workerId: context.awsRequestId,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      deadlineMarginMs: 10_000,
      waitForOthers: false, // billed by the millisecond: do not idle while others finish
    });
    console.log(
      `job ${jobId}: ${result.batches} batches, ${result.processed} processed, ` +
        `${result.failed} failed; stopped by ${result.stoppedBy}`,
    );
    const jobOver = result.stoppedBy === 'job-complete' || result.stoppedBy === 'job-terminal';
    if (!jobOver) batchItemFailures.push({ itemIdentifier: message.messageId });
  }
  return { batchItemFailures };
}
