// Benchmark: the cost of `uniqueFields` enforced job-wide (`jobWideUniqueFields: true`, one
// `claimUniqueValues` statement per batch) against the same job without it, on PostgreSQL:
// prepare N users (unique emails), then process them with 4 worker processes and a no-op
// processor. Variants alternate in the same run, `--rounds` times each; the best round of each
// is reported with the overhead, beside the PostgreSQL server's time per 1,000 records processed
// (pg_stat_database.active_time of a database `ba_unique` the benchmark uses alone), which a
// busy machine changes less than records/s. Usage: npm run build && node bench/unique-fields.mjs
//   [--rows 100000] [--batch-size 500] [--rounds 3] [--layout rows|payloads]
// (--layout: the store's default one-row-per-record layout, or `batchPayloads: true`)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { databaseUrl, ensureDatabase, measured } from './pg-server-time.mjs';
import { runBenchWorker, schema, uniqueEmailSchema, usersCsvLines } from './shared.mjs';
import { DATABASE_URL, freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    layout: { type: 'string', default: 'rows' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const rounds = Number(values.rounds);
if (!['rows', 'payloads'].includes(values.layout)) throw new Error('--layout: rows or payloads');
const batchPayloads = values.layout === 'payloads';

const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-unique-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const DB_NAME = 'ba_unique';

/**
 * Prepares a job and processes it with 4 worker processes; returns processing records/s and the
 * server's milliseconds per 1,000 records processed.
 */
async function measure(rig, unique) {
  const store = await rig.open();
  const di = new DistributedImport({
    schema: unique ? uniqueEmailSchema : schema,
    batchSize,
    stateStore: store,
  });
  const { jobId } = await di.prepare(new FilePathSource(csvFile), new CsvParser());
  await store.close();
  let results = [];
  const { dbMs, blocks } = await measured(DATABASE_URL, DB_NAME, async () => {
    results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        runBenchWorker({
          ...rig.env,
          JOB_ID: jobId,
          WORKER_ID: `p${i}`,
          BATCH_SIZE: String(batchSize),
          UNIQUE_EMAILS: unique ? '1' : '0',
        }),
      ),
    );
  });
  const processed = results.reduce((n, r) => n + r.processed, 0);
  if (processed !== rows) throw new Error(`processed ${processed} records, expected ${rows}`);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed !== 0) throw new Error(`${failed} records failed: the emails are unique`);
  const ms =
    Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  return {
    rate: Math.round((rows / ms) * 1000),
    dbPerThousand: (dbMs / rows) * 1000,
    blocksPerRecord: blocks / rows,
  };
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `${rows} records, batch ${batchSize}, 4 worker processes, PostgreSQL, ${values.layout} — ${machine}`,
);
await ensureDatabase(DATABASE_URL, DB_NAME);
const rig = await freshStore('postgres', {
  databaseUrl: databaseUrl(DATABASE_URL, DB_NAME),
  batchPayloads,
});
const best = { plain: 0, unique: 0 };
const leastDb = { plain: Infinity, unique: Infinity };
const leastBlocks = { plain: Infinity, unique: Infinity };
try {
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of ['plain', 'unique']) {
      const { rate, dbPerThousand, blocksPerRecord } = await measure(rig, variant === 'unique');
      leastBlocks[variant] = Math.min(leastBlocks[variant], blocksPerRecord);
      best[variant] = Math.max(best[variant], rate);
      leastDb[variant] = Math.min(leastDb[variant], dbPerThousand);
      console.log(
        `round ${round} ${variant}: ${rate.toLocaleString('en')} rec/s, server ${dbPerThousand.toFixed(1)} ms per 1,000 records, ${blocksPerRecord.toFixed(1)} buffer pages per record (load ${loadavg()[0].toFixed(1)})`,
      );
    }
  }
} finally {
  await rig.dispose();
}
const overhead = Math.round((best.plain / best.unique - 1) * 100);
console.log(
  `best: without uniqueFields ${best.plain.toLocaleString('en')} rec/s, with jobWideUniqueFields ${best.unique.toLocaleString('en')} rec/s: processing takes ${overhead}% longer`,
);
console.log(
  `server time per 1,000 records (least): without ${leastDb.plain.toFixed(1)} ms, with ${leastDb.unique.toFixed(1)} ms: ${(leastDb.unique / leastDb.plain).toFixed(2)}×`,
);
console.log(
  `buffer pages per record (least): without ${leastBlocks.plain.toFixed(1)}, with ${leastBlocks.unique.toFixed(1)}: ${(leastBlocks.unique / leastBlocks.plain).toFixed(2)}×`,
);
