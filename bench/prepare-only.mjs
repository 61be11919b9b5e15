// Prepare only: times `DistributedImport.prepare` of an N-row CSV file into a fresh store, K
// times, and prints each run and the median in records/s of wall-clock time and of this
// process's CPU time (the second is steadier on a busy machine). Meant for before/after comparisons of
// the prepare path (run it in two checkouts alternately, e.g. with bench/before-after.mjs
// --script bench/prepare-only.mjs), and for CPU profiles (`node --cpu-prof bench/prepare-only.mjs`).
// Usage: npm run build && node bench/prepare-only.mjs [--rows 50000] [--batch-size 500]
//          [--store sqlite|postgres|memory] [--runs 5] [--process] [--payloads]
//          [--csv-fast on|off]   (off: CsvParser without its fast path for simple lines)
//          [--csv FILE]   (reuse FILE, written first if missing: a callgrind run then counts
//          the prepare without the writing of its input)
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePathSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { schema, usersCsvLines } from './shared.mjs';
import { freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    'batch-size': { type: 'string', default: '500' },
    store: { type: 'string', default: 'sqlite' },
    runs: { type: 'string', default: '5' },
    // Also process the prepared job with one in-process worker (no-op processor) and time it.
    process: { type: 'boolean', default: false },
    // The stores' batch-payload layout (`batchPayloads: true`, issue 28) instead of rows.
    payloads: { type: 'boolean', default: false },
    csv: { type: 'string' },
    // `off`: CsvParser without its fast path for simple lines (issue 28), for same-run comparisons.
    'csv-fast': { type: 'string', default: 'on' },
  },
});
if (values['csv-fast'] === 'off')
  globalThis[Symbol.for('@batchactions/import:csv-simple-lines')] = false;
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);

let csvFile = values.csv;
if (csvFile === undefined) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-data-'));
  csvFile = join(dataDir, 'users.csv');
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}
if (!existsSync(csvFile)) writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));

const rates = [];
/** Records per second of this process's CPU time (user + system): steadier on a busy machine. */
const cpuRates = [];
const processRates = [];
for (let run = 0; run < Number(values.runs); run += 1) {
  const rig =
    values.store === 'memory'
      ? { open: () => new InMemoryDistributedStateStore(), dispose: () => undefined }
      : await freshStore(values.store, { batchPayloads: values.payloads });
  const store = await rig.open();
  const di = new DistributedImport({ schema, batchSize, stateStore: store });
  const cpu = process.cpuUsage();
  const started = performance.now();
  const { jobId, totalRecords } = await di.prepare(new FilePathSource(csvFile), new CsvParser());
  const ms = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  cpuRates.push(Math.round((rows / (user + system)) * 1e6));
  if (totalRecords !== rows) throw new Error(`prepared ${totalRecords} records, expected ${rows}`);
  if (values.process) {
    const begun = performance.now();
    const { processed } = await runWorker(di, jobId, () => undefined, { workerId: 'w0' });
    if (processed !== rows) throw new Error(`processed ${processed} of ${rows}`);
    processRates.push(Math.round((rows / (performance.now() - begun)) * 1000));
  }
  await store.close?.();
  await rig.dispose();
  rates.push(Math.round((rows / ms) * 1000));
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const show = (list) => list.map((r) => r.toLocaleString('en')).join(' ');
if (values.process) {
  console.log(
    `| ${values.store} 1 worker | ${median(processRates).toLocaleString('en')} records/s | runs ${show(processRates)} |`,
  );
}
console.log(
  `| ${values.store} prepare | ${median(rates).toLocaleString('en')} records/s | ${median(cpuRates).toLocaleString('en')} records per CPU-second | runs ${show(rates)} / cpu ${show(cpuRates)} | load ${loadavg()[0].toFixed(1)} |`,
);
