// Fleet simulation (issue 28): how many workers one PostgreSQL feeds. For each fleet size (4, 16
// and 64 worker loops by default, spread over 4 processes, each loop its own runWorker with its
// own worker id and pool connection), one job of --rows records is prepared and processed;
// printed: records/s over the processing window and the PostgreSQL server's time per 1,000
// records (pg_stat_database.active_time of a database this benchmark uses alone).
//
// --processor-ms: what the processor costs per record, as an asynchronous wait (a call to an
// API or to another database): 0 is the cheapest possible processor, where the store alone
// bounds the fleet; with a cost, the fleet's rate should grow with its size until the database
// saturates. docs/benchmarks.md turns the figures into an estimate of the fleet one server feeds.
//
// Usage: npm run build && node bench/fleet.mjs [--rows 100000] [--batch-size 500]
//          [--fleets 4,16,64] [--processes 4] [--processor-ms 0] [--layouts rows,payloads]
//        (--layouts: the stores' default one-row-per-record layout, `batchPayloads: true`, or both;
//         a `+prepared` suffix, e.g. `payloads+prepared`, adds `preparedStatements: true`, and
//         `+async` adds `asynchronousCommit: true`: `payloads+prepared+async`)
//        (DATABASE_URL: the PostgreSQL server; the benchmark uses a database `ba_fleet` on it)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { databaseUrl, ensureDatabase, measured, withClient } from './pg-server-time.mjs';
import { runBenchWorker, schema, usersCsvLines } from './shared.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '500' },
    fleets: { type: 'string', default: '4,16,64' },
    processes: { type: 'string', default: '4' },
    'processor-ms': { type: 'string', default: '0' },
    layouts: { type: 'string', default: 'rows,payloads' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const fleets = values.fleets.split(',').map(Number);
const processes = Number(values.processes);
const processorMs = Number(values['processor-ms']);
const layouts = values.layouts.split(',');
for (const fleet of fleets) {
  if (!Number.isInteger(fleet) || fleet < processes || fleet % processes !== 0) {
    throw new Error(`--fleets: ${fleet} is not a multiple of --processes ${processes}`);
  }
}
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = 'ba_fleet';
const benchUrl = databaseUrl(serverUrl, DB_NAME);

const dataDir = mkdtempSync(join(tmpdir(), 'ba-fleet-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const workerScript = fileURLToPath(new URL('./fleet-worker.mjs', import.meta.url));

/** Runs one fleet process and resolves with the JSON line it printed. */
const fleetProcess = (env) => runBenchWorker(env, workerScript);

const fmt = (n) => n.toLocaleString('en');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `${fmt(rows)} records, batch ${batchSize}, processor ${processorMs} ms/record, ${processes} processes — ${machine}, load ${loadavg()[0].toFixed(1)}`,
);
console.log(
  '| layout | worker loops | records/s | DB ms per 1,000 records | max RSS per process (MB) |',
);
console.log('|---|---|---|---|---|');

await ensureDatabase(serverUrl, DB_NAME);
const pgSchema = `fleet_${Date.now().toString(36)}`;
try {
  for (const [layout, fleet] of layouts.flatMap((l) => fleets.map((f) => [l, f]))) {
    const [storage, ...extras] = layout.split('+');
    if (
      !['rows', 'payloads'].includes(storage) ||
      extras.some((extra) => !['prepared', 'async'].includes(extra))
    ) {
      throw new Error(`--layouts: ${layout} is not rows or payloads, with +prepared or +async`);
    }
    const batchPayloads = storage === 'payloads';
    const preparedStatements = extras.includes('prepared');
    const asynchronousCommit = extras.includes('async');
    const store = new PostgresStateStore({
      connectionString: benchUrl,
      schema: pgSchema,
      batchPayloads,
      preparedStatements,
      asynchronousCommit,
    });
    await store.initialize();
    const di = new DistributedImport({ schema, batchSize, stateStore: store });
    const { jobId } = await di.prepare(new FilePathSource(csvFile), new CsvParser());
    await store.close();
    let results = [];
    const run = await measured(serverUrl, DB_NAME, async () => {
      results = await Promise.all(
        Array.from({ length: processes }, (_, p) =>
          fleetProcess({
            DATABASE_URL: benchUrl,
            PG_SCHEMA: pgSchema,
            JOB_ID: jobId,
            LOOPS: String(fleet / processes),
            WORKER_PREFIX: `p${p}`,
            BATCH_SIZE: String(batchSize),
            PROCESSOR_MS_PER_RECORD: String(processorMs),
            BATCH_PAYLOADS: batchPayloads ? '1' : '0',
            PG_PREPARED: preparedStatements ? '1' : '0',
            PG_ASYNC_COMMIT: asynchronousCommit ? '1' : '0',
          }),
        ),
      );
    });
    const processed = results.reduce((n, r) => n + r.processed, 0);
    if (processed !== rows) throw new Error(`fleet ${fleet}: processed ${processed} of ${rows}`);
    // Records/s over the processing window (first loop started to last one ended): process
    // start-up is not the store's work.
    const window =
      Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
    const rss = Math.max(...results.map((r) => r.maxRssMb));
    console.log(
      `| ${layout} | ${fleet} | ${fmt(Math.round((rows / window) * 1000))} | ${((run.dbMs / rows) * 1000).toFixed(1)} | ${Math.round(rss)} |`,
    );
  }
} finally {
  await withClient(benchUrl, (client) => client.query(`DROP SCHEMA "${pgSchema}" CASCADE`));
}
console.log(`load after: ${loadavg()[0].toFixed(1)}`);
