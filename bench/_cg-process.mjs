// The in-memory processing pipeline as a fixed workload for callgrind (instructions do not depend
// on the machine's load): prepares an N-row users CSV (bench schema) into an
// InMemoryDistributedStateStore, then, with `process`, runs one in-process worker with a no-op
// processor. Processing = (run with `process` − run without), split by bench/_cg-categories.mjs.
// Usage: npm run build && valgrind --tool=callgrind --callgrind-out-file=OUT \
//          node --single-threaded bench/_cg-process.mjs <rows> [process]
// OTEL_OFF=1: openTelemetry { enabled: false }. SHOW_RECORD=1: prints record 1 as stored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilePathSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { schema, usersCsvLines } from './shared.mjs';
const rows = Number(process.argv[2] ?? 20000);
const doProcess = process.argv[3] === 'process';
const dir = mkdtempSync(join(tmpdir(), 'ba-cg-'));
const csv = join(dir, 'u.csv');
writeFileSync(csv, [...usersCsvLines(rows)].join(''));
const store = new InMemoryDistributedStateStore();
const di = new DistributedImport({
  schema,
  batchSize: 500,
  stateStore: store,
  ...(process.env.OTEL_OFF ? { openTelemetry: { enabled: false } } : {}),
});
const { jobId, totalRecords } = await di.prepare(new FilePathSource(csv), new CsvParser());
if (totalRecords !== rows) throw new Error('bad prepare');
if (doProcess) {
  const { processed } = await runWorker(di, jobId, () => undefined, { workerId: 'w0' });
  if (processed !== rows) throw new Error(`processed ${processed}`);
}
if (process.env.SHOW_RECORD) {
  console.log(
    JSON.stringify(
      (await store.getBatchRecords(jobId, (await store.getJobState(jobId)).batches[0].id))[1],
    ),
  );
}
rmSync(dir, { recursive: true, force: true });
