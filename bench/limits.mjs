// Benchmark: the cost of job-wide limits (issue 27) when they never bind: the same job with a
// rate far above the natural rate, a cap above the lanes, and both, against the same job
// without limits. Each variant prepares N users and processes them with one process running 4 lanes
// (runWorker concurrency 4) and a no-op processor. Variants alternate in the same run,
// `--rounds` times each; the best and the median round of each are reported with the overhead.
// `--count` first runs each variant once more, untimed, counting store calls and (PostgreSQL)
// SQL statements per batch (with the claim statements and the transactions among them).
// Usage: npm run build && node bench/limits.mjs [--rows 50000] [--batch-size 500] [--rounds 3]
//   [--stores postgres,sqlite] [--count]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { schema, usersCsvLines } from './shared.mjs';
import { freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000' },
    'batch-size': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    stores: { type: 'string', default: 'postgres,sqlite' },
    /** Also count store calls and SQL statements per batch, per variant (one extra round). */
    count: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const rounds = Number(values.rounds);
const LANES = 4;
/** Limits far above what 4 lanes with a no-op processor reach: they never make anyone wait. */
const VARIANTS = {
  plain: {},
  rate: { rateLimit: { records: 10_000_000, perMs: 1000 } },
  cap: { maxConcurrentBatches: 64 },
  both: { rateLimit: { records: 10_000_000, perMs: 1000 }, maxConcurrentBatches: 64 },
};

const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-limits-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

/** Store calls (by method) and SQL statements made while processing, when `--count`. */
let tally;

/** `store` with every method call counted in `tally` while it is set. */
function counted(store) {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args) => {
        if (tally) tally.calls[key] = (tally.calls[key] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
}

/** Counts every statement sent by `pg` clients (BEGIN and COMMIT included) into `tally`. */
async function countPgStatements() {
  const pg = (await import('pg')).default;
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (...args) {
    if (tally) {
      tally.statements += 1;
      const text = typeof args[0] === 'string' ? args[0] : (args[0]?.text ?? '');
      if (text.includes('next_batch')) tally.claims += 1;
      if (text.trim() === 'BEGIN') tally.begins += 1;
    }
    return query.apply(this, args);
  };
}

/** Prepares a job (with or without limits) and processes it; returns processing records/s. */
async function measure(rig, limits, counting = false) {
  const opened = await rig.open();
  const store = counting ? counted(opened) : opened;
  try {
    const di = new DistributedImport({ schema, batchSize, stateStore: store });
    const { jobId } = await di.prepare(new FilePathSource(csvFile), new CsvParser(), limits);
    if (counting) tally = { calls: {}, statements: 0, claims: 0, begins: 0 };
    const started = Date.now();
    const result = await runWorker(di, jobId, () => undefined, {
      workerId: 'bench',
      concurrency: LANES,
    });
    const ms = Date.now() - started;
    const counts = tally;
    tally = undefined;
    if (counting) {
      const batches = Math.ceil(rows / batchSize);
      const per = (n) => (n / batches).toFixed(2);
      const calls = Object.entries(counts.calls)
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${per(n)}`)
        .join(', ');
      const total = Object.values(counts.calls).reduce((a, b) => a + b, 0);
      console.log(
        `  per batch: ${per(total)} store calls (${calls})` +
          (counts.statements > 0
            ? `; ${per(counts.statements)} pg statements (claim statements ${per(counts.claims)},` +
              ` BEGIN ${per(counts.begins)})`
            : ''),
      );
    }
    if (result.processed !== rows) {
      throw new Error(`processed ${result.processed} records, expected ${rows}`);
    }
    return Math.round((rows / ms) * 1000);
  } finally {
    await opened.close();
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`${rows} records, batch ${batchSize}, 1 process × ${LANES} lanes — ${machine}`);
for (const kind of values.stores.split(',')) {
  const rig = await freshStore(kind);
  const best = { plain: 0, rate: 0, cap: 0, both: 0 };
  const all = { plain: [], rate: [], cap: [], both: [] };
  try {
    if (values.count) {
      if (kind === 'postgres') await countPgStatements();
      for (const variant of Object.keys(VARIANTS)) {
        console.log(`${kind} ${variant} (counted, not timed):`);
        await measure(rig, VARIANTS[variant], true);
      }
    }
    for (let round = 1; round <= rounds; round += 1) {
      for (const variant of Object.keys(VARIANTS)) {
        const rate = await measure(rig, VARIANTS[variant]);
        best[variant] = Math.max(best[variant], rate);
        all[variant].push(rate);
        console.log(
          `${kind} round ${round} ${variant}: ${rate.toLocaleString('en')} rec/s (load ${loadavg()[0].toFixed(1)})`,
        );
      }
    }
  } finally {
    await rig.dispose();
  }
  const median = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
  };
  const med = Object.fromEntries(Object.entries(all).map(([v, xs]) => [v, median(xs)]));
  const overhead = (of, variant) => ((of.plain / of[variant] - 1) * 100).toFixed(1);
  for (const [label, of] of [
    ['best', best],
    ['median', med],
  ]) {
    console.log(
      `${kind} ${label}: without limits ${of.plain.toLocaleString('en')} rec/s; ` +
        ['rate', 'cap', 'both']
          .map((v) => `${v} ${of[v].toLocaleString('en')} rec/s (overhead ${overhead(of, v)}%)`)
          .join(', '),
    );
  }
}
