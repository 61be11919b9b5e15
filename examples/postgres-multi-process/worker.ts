/**
 * One worker process: works on the job given as its argument until the job is over, then
 * exits. Start as many as you like, on any machine that reaches the database.
 *
 *   DATABASE_URL=postgres://... npx tsx examples/postgres-multi-process/worker.ts <jobId>
 */
import { runWorker } from '@batchactions/distributed';
import { insertUsers, openImporter } from './setup.js';

const jobId = process.argv[2];
if (jobId === undefined) throw new Error('usage: worker <jobId>');

const stop = new AbortController();
process.on('SIGTERM', () => {
  stop.abort(new Error('SIGTERM'));
});

const { importer, users, close } = await openImporter();
const result = await runWorker(importer, jobId, insertUsers(users), {
  workerId: `worker-${process.pid}`,
  stopSignal: stop.signal,
});
console.log(
  `${result.workerId}: ${result.batches} batches, ${result.processed} processed, ` +
    `${result.failed} failed; stopped by ${result.stoppedBy}`,
);
await close();
