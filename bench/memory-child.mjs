// A child of bench/memory.mjs (run with --expose-gc): MODE=prepare stores the CSV file FILE as a
// job; MODE=work processes job JOB_ID alone with a no-op processor. Either prints one JSON line:
// its peak RSS (maxRSS), its RSS once its code is loaded and its store open (after a full GC)
// and, for `work`, the heap in use after a full GC every tenth of the job. The worker imports
// what a worker's code imports: the facade and its store, not the parsers. YOUNG_GENERATION=limited
// calls limitYoungGeneration() first.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, limitYoungGeneration, runWorker } from '@batchactions/distributed';
import { freshStoreFromEnv, schema } from './shared.mjs';

const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const heapAfterGc = () => {
  globalThis.gc();
  return mb(process.memoryUsage().heapUsed);
};
if (process.env.YOUNG_GENERATION === 'limited') {
  const limit = limitYoungGeneration();
  if (!limit.applied) throw new Error(`young generation not limited: ${limit.keptFlag} given`);
}
const store = await freshStoreFromEnv(process.env);
const di = new DistributedImport({ schema, batchSize: 500, stateStore: store });
globalThis.gc();
const report = { heapAfterGcMb: [], rssMb: [], loadedRssMb: mb(process.memoryUsage().rss) };
if (process.env.MODE === 'prepare') {
  const { CsvParser } = await import('@batchactions/import');
  const result = await di.prepare(new FilePathSource(process.env.FILE), new CsvParser());
  Object.assign(report, { jobId: result.jobId, totalRecords: result.totalRecords });
  report.heapAfterGcMb.push(heapAfterGc());
} else {
  const totalBatches = Number(process.env.TOTAL_BATCHES);
  let batches = 0;
  const started = performance.now();
  const result = await runWorker(di, process.env.JOB_ID, () => undefined, {
    workerId: 'memory',
    pollIntervalMs: 100,
    onBatch: () => {
      batches += 1;
      if (batches % Math.max(1, Math.floor(totalBatches / 10)) === 0) {
        report.rssMb.push(mb(process.memoryUsage().rss));
        report.heapAfterGcMb.push(heapAfterGc());
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  Object.assign(report, {
    processed: result.processed,
    recordsPerSecond: Math.round(result.processed / seconds),
    cpuMs: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1000),
  });
}
await store.close();
const usage = process.memoryUsage();
// What the RSS is made of at the end: anonymous memory (heaps, malloc) and mapped files (node's
// own code and ICU data as far as touched), and the V8 spaces' committed sizes.
const status = readFileSync('/proc/self/status', 'utf8');
const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
const spaces = Object.fromEntries(
  getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.physical_space_size)]),
);
process.stdout.write(
  `${JSON.stringify({
    ...report,
    maxRssMb: mb(process.resourceUsage().maxRSS * 1024),
    heapTotalMb: mb(usage.heapTotal),
    endRss: { anonMb: mb(kb('RssAnon') * 1024), fileMb: mb(kb('RssFile') * 1024) },
    externalMb: mb(usage.external),
    spacesMb: spaces,
  })}\n`,
);
