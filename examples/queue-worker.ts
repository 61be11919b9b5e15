/**
 * A long-running worker for containers (ECS, Kubernetes, a VM): it takes job messages from a
 * queue, works on each job until the job is over, and shuts down gracefully.
 *
 * - First SIGTERM (or Ctrl-C): no new batch is claimed; the batches in flight finish and are
 *   written; an unfinished job's message goes back to the queue for another worker; exit 0.
 * - Second SIGTERM: the batches in flight are aborted and released unwritten, for another worker.
 *
 * The queue is a directory of message files (QUEUE_DIR), so the example runs anywhere; with SQS,
 * RabbitMQ or Redis, "take" is receive, "done" is delete (or ack) and "give back" is
 * changing the visibility (or nack). A message is `{ "jobId": "..." }`, sent after `prepare`.
 *
 *   QUEUE_DIR=queue SQLITE_FILE=jobs.sqlite npx tsx examples/queue-worker.ts
 *   QUEUE_DIR=queue DATABASE_URL=postgres://... npx tsx examples/queue-worker.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedRecord, ProcessingContext } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';

const queueDir = process.env.QUEUE_DIR ?? 'queue';
const workerId = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

const stateStore = process.env.DATABASE_URL
  ? new PostgresStateStore({ connectionString: process.env.DATABASE_URL })
  : new SqliteStateStore({ filename: process.env.SQLITE_FILE ?? 'jobs.sqlite' });
await stateStore.initialize();

const importer = new DistributedImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'name', type: 'string', required: true },
    ],
  },
  stateStore,
  maxRetries: 2,
  retryDelayMs: 200,
});

async function saveUser(record: ParsedRecord, context: ProcessingContext): Promise<void> {
  // Stands in for your idempotent write (1 ms of I/O). Passing context.signal on means a
  // shutdown's second SIGTERM, a cancelled job or a lost lease stops the call at once.
  await sleep(1, record, { signal: context.signal });
}

// Signals: the first stops claiming, the second aborts what is in flight.
const stop = new AbortController();
const abort = new AbortController();
function onSignal(signal: NodeJS.Signals): void {
  if (stop.signal.aborted) abort.abort(new Error(`second ${signal}`));
  else stop.abort(new Error(signal));
}
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

interface Message {
  readonly jobId: string;
  readonly file: string;
  readonly takenFile: string;
}

/** Takes the oldest message nobody has taken (a rename: only one worker gets it), or none. */
function take(): Message | undefined {
  for (const name of readdirSync(queueDir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const file = join(queueDir, name);
    const takenFile = `${file}.taken-by-${workerId}`;
    try {
      renameSync(file, takenFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another worker took it
      throw error;
    }
    const { jobId } = JSON.parse(readFileSync(takenFile, 'utf8')) as { jobId: string };
    return { jobId, file, takenFile };
  }
  return undefined;
}

/** Waits before looking at the queue again; a stop ends the wait at once. */
async function idle(ms: number): Promise<void> {
  try {
    await sleep(ms, undefined, { signal: stop.signal });
  } catch (error) {
    if (!stop.signal.aborted) throw error;
  }
}

mkdirSync(queueDir, { recursive: true });
console.log(`worker ${workerId}: waiting for jobs in ${queueDir}`);
while (!stop.signal.aborted) {
  const message = take();
  if (message === undefined) {
    await idle(250);
    continue;
  }
  console.log(`job ${message.jobId}: started`);
  const result = await runWorker(importer, message.jobId, saveUser, {
    workerId,
    concurrency: 2,
    stopSignal: stop.signal,
    abortSignal: abort.signal,
    onBatch: (batch) => {
      console.log(
        `job ${message.jobId}: batch ${batch.batchIndex}: ${batch.processedCount} processed, ${batch.failedCount} failed`,
      );
    },
  });
  console.log(
    `job ${message.jobId}: ${result.processed} processed, ${result.failed} failed by this worker; ` +
      `stopped by ${result.stoppedBy}`,
  );
  if (result.stoppedBy === 'job-complete' || result.stoppedBy === 'job-terminal') {
    unlinkSync(message.takenFile); // done: the job is over
  } else {
    renameSync(message.takenFile, message.file); // give it back: another worker goes on
  }
}

await stateStore.close();
console.log(`worker ${workerId}: stopped cleanly`);
