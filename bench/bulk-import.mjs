// BulkImport over a CSV file from FilePathSource: 3-field schema (email, string, number), no-op
// processor. Reports records/s and peak RSS, checks that exactly every row written was processed,
// and samples RSS during the run to show memory stays flat. Runs on the BUILT packages:
//
//   npm run build && node bench/bulk-import.mjs [rows] [batchSize] [failed-only|default]
//
// The file is generated into the OS temp dir once and reused.
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const { BulkImport, CsvParser, FilePathSource } = await import(
  join(here, '../packages/import/dist/index.js')
);

const { InMemoryStateStore } = await import(join(here, '../packages/core/dist/index.js'));

const ROWS = Number(process.argv[2] ?? 1_000_000);
const BATCH_SIZE = Number(process.argv[3] ?? 1000);
/** `default`: BulkImport's default InMemoryStateStore, which keeps every record (published). */
const STORE = process.argv[4] ?? 'failed-only';

/**
 * A StateStore that keeps the job and its failed records only, so memory shows what BulkImport
 * itself holds (the default in-memory store keeps every processed record, as published).
 */
class FailedOnlyStore extends InMemoryStateStore {
  saveProcessedRecord(jobId, batchId, record) {
    if (record.status === 'processed') return Promise.resolve();
    return super.saveProcessedRecord(jobId, batchId, record);
  }
}

async function generate(path) {
  const out = createWriteStream(path);
  let buffer = 'email,name,age\n';
  for (let i = 1; i <= ROWS; i++) {
    buffer += `user${i}@example.com,User ${i},${i % 100}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

const dir = join(tmpdir(), 'batchactions-bench');
await mkdir(dir, { recursive: true });
const path = join(dir, `bulk-import-${ROWS}.csv`);
if (!existsSync(path)) {
  console.log(`generating ${path} ...`);
  await generate(path);
}

const importer = new BulkImport({
  schema: {
    fields: [
      { name: 'email', type: 'email', required: true },
      { name: 'name', type: 'string', required: true },
      { name: 'age', type: 'number', required: true },
    ],
  },
  batchSize: BATCH_SIZE,
  continueOnError: true,
  ...(STORE === 'default' ? {} : { stateStore: new FailedOnlyStore() }),
}).from(new FilePathSource(path), new CsvParser());

/** RSS (MB) after each tenth of the rows: flat memory means these stay level. */
const rssAt = [];
let processed = 0;
const tenth = Math.max(1, Math.floor(ROWS / 10));
const loadBefore = loadavg()[0];
const started = process.hrtime.bigint();
await importer.start(() => {
  processed++;
  if (processed % tenth === 0) rssAt.push(Math.round(process.memoryUsage().rss / 1048576));
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const { status, progress } = importer.getStatus();
const peakMb = process.resourceUsage().maxRSS / 1024;

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log(
  `load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)}`,
);
console.log(`file: ${path}, batch size ${BATCH_SIZE}, store ${STORE}`);
console.log(
  `status ${status}: ${processed.toLocaleString('en')} processed, ${progress.failedRecords} failed, total ${progress.totalRecords.toLocaleString('en')}`,
);
console.log(
  `${Math.round(processed / seconds).toLocaleString('en')} records/s (${seconds.toFixed(1)} s)`,
);
console.log(`RSS after each tenth (MB): ${rssAt.join(', ')}`);
console.log(`peak RSS: ${peakMb.toFixed(1)} MB`);
const ok = status === 'COMPLETED' && processed === ROWS && progress.failedRecords === 0;
console.log(ok ? 'OK' : 'FAILED');
process.exitCode = ok ? 0 : 1;
