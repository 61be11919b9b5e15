// Benchmark: prepare and process N records (no-op processor) on each store, with 1 worker,
// 4 workers in one process, and 4 worker processes. Prints records/s and peak RSS, and writes
// bench/results.md. Usage: npm run build && node bench/run.mjs [--rows 100000] [--batch-size 500]
//                            [--stores sqlite,postgres]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { runBenchWorker, schema, usersCsvLines } from './shared.mjs';
import { freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '500' },
    stores: { type: 'string', default: 'sqlite,postgres' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const kinds = values.stores.split(',');

// The source is a real file read in 64 KiB chunks, as users would give it.
const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-data-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const rate = (n, ms) => Math.round((n / ms) * 1000);

async function prepareJob(store) {
  const di = new DistributedImport({ schema, batchSize, stateStore: store });
  const started = performance.now();
  const source = new FilePathSource(csvFile);
  const { jobId, totalRecords } = await di.prepare(source, new CsvParser());
  const ms = performance.now() - started;
  if (totalRecords !== rows) throw new Error(`prepared ${totalRecords} records, expected ${rows}`);
  return { jobId, ms };
}

async function inProcess(rig, workers) {
  const store = await rig.open();
  const { jobId, ms: prepareMs } = await prepareJob(store);
  const stores = [store];
  for (let i = 1; i < workers; i += 1) stores.push(await rig.open());
  const started = performance.now();
  const results = await Promise.all(
    stores.map((s, i) =>
      runWorker(
        new DistributedImport({ schema, batchSize, stateStore: s }),
        jobId,
        () => undefined,
        { workerId: `w${i}` },
      ),
    ),
  );
  const ms = performance.now() - started;
  const processed = results.reduce((n, r) => n + r.processed, 0);
  if (processed !== rows) throw new Error(`processed ${processed} records, expected ${rows}`);
  if (results.filter((r) => r.jobComplete).length !== 1)
    throw new Error('expected exactly one jobComplete');
  for (const s of stores) await s.close();
  return { prepareMs, ms };
}

async function inProcesses(rig, processes) {
  const store = await rig.open();
  const { jobId, ms: prepareMs } = await prepareJob(store);
  await store.close();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: processes }, (_, i) =>
      runBenchWorker({
        ...rig.env,
        JOB_ID: jobId,
        WORKER_ID: `p${i}`,
        BATCH_SIZE: String(batchSize),
      }),
    ),
  );
  const wallMs = performance.now() - started;
  // Processing window: first worker starting its loop to last one ending (process start-up and
  // store connection excluded; wallMs includes them).
  const ms =
    Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  const processed = results.reduce((n, r) => n + r.processed, 0);
  if (processed !== rows) throw new Error(`processed ${processed} records, expected ${rows}`);
  return { prepareMs, ms, wallMs, childRssMb: Math.max(...results.map((r) => r.maxRssMb)) };
}

async function parseOnly() {
  const started = performance.now();
  let n = 0;
  for await (const _ of new CsvParser().parseStream(new FilePathSource(csvFile).read())) n += 1;
  if (n !== rows) throw new Error(`parsed ${n} records, expected ${rows}`);
  return rate(rows, performance.now() - started);
}

const lines = [];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`${rows} records, batch ${batchSize}, no-op processor — ${machine}`);
lines.push(
  `| store | prepare rec/s | 1 worker rec/s | 4 workers, 1 process rec/s | 4 processes rec/s | peak RSS (runner / worker process) |`,
);
lines.push('|---|---|---|---|---|---|');
const parseRate = Math.max(await parseOnly(), await parseOnly());
console.log(
  `CSV parse only (FilePathSource + CsvParser, no store): ${parseRate.toLocaleString('en')} records/s`,
);
for (const kind of kinds) {
  const rig = await freshStore(kind);
  try {
    const one = await inProcess(rig, 1);
    const four = await inProcess(rig, 4);
    const procs = await inProcesses(rig, 4);
    const prepare = rate(rows, Math.min(one.prepareMs, four.prepareMs, procs.prepareMs));
    const runnerRss = Math.round(process.resourceUsage().maxRSS / 1024);
    const row = `| ${kind} | ${prepare.toLocaleString('en')} | ${rate(rows, one.ms).toLocaleString('en')} | ${rate(rows, four.ms).toLocaleString('en')} | ${rate(rows, procs.ms).toLocaleString('en')} | ${runnerRss} MB / ${Math.round(procs.childRssMb)} MB |`;
    console.log(row);
    lines.push(row);
  } finally {
    await rig.dispose();
  }
}
const report = `# Benchmark results\n\n${rows.toLocaleString('en')} records, batch ${batchSize}, no-op processor.\nMachine: ${machine}.\nCommand: \`npm run build && node bench/run.mjs --rows ${rows} --batch-size ${batchSize} --stores ${kinds.join(',')}\`\n\nCSV parse only (FilePathSource + CsvParser, no store), the ceiling for prepare: ${parseRate.toLocaleString('en')} records/s.\n\n${lines.join('\n')}\n\nProcessing columns: records/s from the first worker starting its loop to the last one finishing (for 4 processes, process start-up and connecting are excluded).\n`;
writeFileSync(new URL('./results.md', import.meta.url), report);
