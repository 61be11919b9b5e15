// A child of bench/memory.mjs (run with --expose-gc): MODE=prepare stores the CSV file FILE as a
// job; MODE=work processes job JOB_ID alone with a no-op processor. Either prints one JSON line:
// its peak RSS (maxRSS) and, for `work`, the heap in use after a full GC every tenth of the job.
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { freshStoreFromEnv, schema } from './shared.mjs';

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const heapAfterGc = () => {
  globalThis.gc();
  return mb(process.memoryUsage().heapUsed);
};
const store = await freshStoreFromEnv(process.env);
const di = new DistributedImport({ schema, batchSize: 500, stateStore: store });
const report = { heapAfterGcMb: [] };
if (process.env.MODE === 'prepare') {
  const result = await di.prepare(new FilePathSource(process.env.FILE), new CsvParser());
  Object.assign(report, { jobId: result.jobId, totalRecords: result.totalRecords });
  report.heapAfterGcMb.push(heapAfterGc());
} else {
  const totalBatches = Number(process.env.TOTAL_BATCHES);
  let batches = 0;
  const result = await runWorker(di, process.env.JOB_ID, () => undefined, {
    workerId: 'memory',
    pollIntervalMs: 100,
    onBatch: () => {
      batches += 1;
      if (batches % Math.max(1, Math.floor(totalBatches / 10)) === 0) {
        report.heapAfterGcMb.push(heapAfterGc());
      }
    },
  });
  Object.assign(report, { processed: result.processed });
}
await store.close();
const usage = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({ ...report, maxRssMb: mb(process.resourceUsage().maxRSS * 1024), heapTotalMb: mb(usage.heapTotal) })}\n`,
);
