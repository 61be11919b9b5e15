// Database time per 1,000 records: how much of the database each phase uses, beside records/s,
// for our stores and for a raw baseline doing the same per-row work with the bare driver, in
// the same run. The figure decides how many workers one database can feed (issue 28).
//
// PostgreSQL: the server's `active_time` of a database used by this benchmark alone
// (`pg_stat_database`, PostgreSQL 14+; every connection to it is closed before reading, so the
// backends have flushed their statistics). SQLite: the time spent inside better-sqlite3's
// statement calls (`run`, `all`, `get`, `iterate`, `exec`), commits and their fsyncs included.
//
// Phases: prepare (one process), processing with a no-op processor (PostgreSQL: 4 worker
// processes, or --pg-processes; SQLite: 1 in-process worker). Raw baselines: one row per
// record, inserted 500 per statement (PostgreSQL: unnest arrays; SQLite: one prepared INSERT per
// record in a transaction per 500), then read by range and updated by range, 500 at a time
// (PostgreSQL: as many connections as worker processes).
// The raw prepare parses the file with our CsvParser, as the stores' prepare does (the difference
// is then the storage alone), and again as a hand-rolled loader would: csv-parse's own streaming
// parser (`columns: true`) feeding the same insert ("hand-rolled loader" column).
//
// Usage: npm run build && node bench/db-time.mjs [--rows 100000] [--batch-size 500]
//          [--stores postgres,sqlite] [--layouts rows,payloads] [--csv-fast on|off]
//          [--pg-prepared on|off|both] [--pg-async-commit on|off|both] [--pg-processes 4]   (DATABASE_URL: the PostgreSQL server; the benchmark
//          creates and uses a database `ba_dbtime` on it)
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { parse as csvParse } from 'csv-parse';
import pg from 'pg';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { databaseUrl, ensureDatabase, measured } from './pg-server-time.mjs';
import { runBenchWorker, schema, usersCsvLines } from './shared.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '500' },
    stores: { type: 'string', default: 'postgres,sqlite' },
    // Issue 28: `rows` (the stores' default), `payloads` (`batchPayloads: true`), or both.
    layouts: { type: 'string', default: 'rows,payloads' },
    // `off`: CsvParser without its fast path for simple lines (issue 28), in prepare and in the
    // raw baselines alike (they parse the file with CsvParser too), for same-run comparisons.
    'csv-fast': { type: 'string', default: 'on' },
    // PostgresStateStore's `preparedStatements` here (the store's default is off): `on`, `off`
    // or `both` (each layout run with and without, for same-run comparisons).
    'pg-prepared': { type: 'string', default: 'on' },
    // PostgresStateStore's `asynchronousCommit` (the store's default is off): `on`, `off` or
    // `both` (each layout run with and without, in that order, for same-run comparisons).
    'pg-async-commit': { type: 'string', default: 'off' },
    // Worker processes of PostgreSQL's processing phase (and connections of its raw baseline).
    // With 1 the server's time is its own: with 4 on a 2-core machine that also runs the
    // server, `active_time` counts backends waiting for a core.
    'pg-processes': { type: 'string', default: '4' },
  },
});
if (values['csv-fast'] === 'off')
  globalThis[Symbol.for('@batchactions/import:csv-simple-lines')] = false;
const rows = Number(values.rows);
const pgProcesses = Number(values['pg-processes']);
if (!Number.isInteger(pgProcesses) || pgProcesses < 1)
  throw new Error('--pg-processes: an integer >= 1');
const pgProcessing = `processing, ${pgProcesses} process${pgProcesses === 1 ? '' : 'es'}`;
const batchSize = Number(values['batch-size']);
const kinds = values.stores.split(',');
const layouts = values.layouts.split(',');
const layoutLabel = (layout) => (layout === 'payloads' ? ' (batchPayloads)' : '');
const preparedModes = { on: [true], off: [false], both: [false, true] }[values['pg-prepared']];
if (preparedModes === undefined) throw new Error('--pg-prepared: on, off or both');
const asyncModes = { on: [true], off: [false], both: [false, true] }[values['pg-async-commit']];
if (asyncModes === undefined) throw new Error('--pg-async-commit: on, off or both');
const pgLabel = (layout, prepared, asyncCommit) => {
  const notes = [
    ...(layout === 'payloads' ? ['batchPayloads'] : []),
    ...(values['pg-prepared'] === 'on' ? [] : [prepared ? 'prepared' : 'unprepared']),
    ...(asyncCommit ? ['asynchronousCommit'] : []),
  ];
  return `PostgresStateStore${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`;
};
const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DB_NAME = 'ba_dbtime';
const benchUrl = databaseUrl(serverUrl, DB_NAME);

const dataDir = mkdtempSync(join(tmpdir(), 'ba-dbtime-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const rate = (ms) => Math.round((rows / ms) * 1000);
const perThousand = (dbMs) => ((dbMs / rows) * 1000).toFixed(1);
const fmt = (n) => n.toLocaleString('en');

/**
 * The records of the CSV file, `batchSize` at a time, parsed as the stores' prepare parses them
 * (`ours`: CsvParser) or as a hand-rolled loader would (`csv-parse`: its streaming parser).
 */
async function* csvBatches(parser = 'ours') {
  let batch = [];
  let index = 0;
  const records =
    parser === 'csv-parse'
      ? createReadStream(csvFile).pipe(csvParse({ columns: true }))
      : new CsvParser().parseStream(new FilePathSource(csvFile).read());
  for await (const record of records) {
    batch.push({ index, raw: record });
    index += 1;
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Consecutive index ranges of `batchSize`, handed out to concurrent loops. */
function ranges() {
  let next = 0;
  return () => {
    if (next >= rows) return undefined;
    const range = [next, Math.min(next + batchSize, rows) - 1];
    next += batchSize;
    return range;
  };
}

// ---------------------------------------------------------------------------------- PostgreSQL

const measuredPg = (work) => measured(serverUrl, DB_NAME, work);

async function postgresFigures() {
  await ensureDatabase(serverUrl, DB_NAME);
  const { PostgresStateStore } = await import('@batchactions/state-postgres');
  const pgSchema = `dbtime_${Date.now().toString(36)}`;
  // A schema per variant: each starts from empty tables, whatever ran before it.
  const schemas = [];
  const figures = [];
  for (const layout of layouts) {
    for (const prepared of preparedModes) {
      for (const asyncCommit of asyncModes) {
        schemas.push(`${pgSchema}_${schemas.length}`);
        const [prepare, processing] = await postgresStoreFigures(
          PostgresStateStore,
          schemas.at(-1),
          layout,
          prepared,
          asyncCommit,
        );
        const label = pgLabel(layout, prepared, asyncCommit);
        figures.push([label, 'prepare', prepare], [label, pgProcessing, processing]);
      }
    }
  }
  schemas.push(`${pgSchema}_raw`);
  const raws = await postgresRaw(schemas.at(-1));
  const cleanup = new pg.Client({ connectionString: benchUrl });
  await cleanup.connect();
  for (const name of schemas) await cleanup.query(`DROP SCHEMA "${name}" CASCADE`);
  await cleanup.end();
  return figures.map(([store, phase, ours]) => [
    store,
    phase,
    ours,
    phase === 'prepare' ? raws[0] : raws[1],
  ]);
}

/**
 * Prepare and processing of the PostgreSQL store in `layout` (`prepared`: its
 * `preparedStatements`; `asyncCommit`: its `asynchronousCommit`), each measured.
 */
async function postgresStoreFigures(PostgresStateStore, pgSchema, layout, prepared, asyncCommit) {
  const open = async () => {
    const store = new PostgresStateStore({
      connectionString: benchUrl,
      schema: pgSchema,
      batchPayloads: layout === 'payloads',
      preparedStatements: prepared,
      asynchronousCommit: asyncCommit,
    });
    await store.initialize();
    return store;
  };
  await (await open()).close(); // tables created outside the measured windows
  let jobId;
  const prepare = await measuredPg(async () => {
    const store = await open();
    const di = new DistributedImport({ schema, batchSize, stateStore: store });
    ({ jobId } = await di.prepare(new FilePathSource(csvFile), new CsvParser()));
    await store.close();
  });
  let window = 0;
  const processing = await measuredPg(async () => {
    const results = await Promise.all(
      Array.from({ length: pgProcesses }, (_, i) =>
        runBenchWorker({
          STORE_KIND: 'postgres',
          DATABASE_URL: benchUrl,
          PG_SCHEMA: pgSchema,
          JOB_ID: jobId,
          WORKER_ID: `p${i}`,
          BATCH_SIZE: String(batchSize),
          PG_PREPARED: prepared ? '1' : '0',
          PG_ASYNC_COMMIT: asyncCommit ? '1' : '0',
        }),
      ),
    );
    const processed = results.reduce((n, r) => n + r.processed, 0);
    if (processed !== rows) throw new Error(`processed ${processed} of ${rows}`);
    // Records/s over the processing window (first loop started to last one ended), as in
    // bench/run.mjs: process start-up is not the store's work.
    window =
      Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
  });
  processing.ms = window;
  return [prepare, processing];
}

/** The raw PostgreSQL baseline: the bare driver, one row per record. */
async function postgresRaw(pgSchema) {
  const table = `"${pgSchema}".raw_records`;
  const setup = new pg.Client({ connectionString: benchUrl });
  await setup.connect();
  await setup.query(`CREATE SCHEMA "${pgSchema}"`);
  await setup.query(
    `CREATE TABLE ${table} (job text NOT NULL, idx integer NOT NULL, status text NOT NULL,
       raw json NOT NULL, PRIMARY KEY (job, idx))`,
  );
  await setup.end();
  const insertAll = (job, parser) =>
    measuredPg(async () => {
      const client = new pg.Client({ connectionString: benchUrl });
      await client.connect();
      for await (const batch of csvBatches(parser)) {
        await client.query(
          `INSERT INTO ${table} (job, idx, status, raw)
           SELECT $3, i, 'PENDING', r
           FROM ROWS FROM (unnest($1::integer[]), json_array_elements($2::json)) AS t (i, r)`,
          [batch.map((r) => r.index), JSON.stringify(batch.map((r) => r.raw)), job],
        );
      }
      await client.end();
    });
  const rawPrepare = await insertAll('raw', 'ours');
  rawPrepare.handRolled = await insertAll('hand-rolled', 'csv-parse');
  const rawProcessing = await measuredPg(async () => {
    const next = ranges();
    await Promise.all(
      Array.from({ length: pgProcesses }, async () => {
        const client = new pg.Client({ connectionString: benchUrl });
        await client.connect();
        for (let range = next(); range !== undefined; range = next()) {
          const { rowCount } = await client.query(
            `SELECT idx, status, raw FROM ${table} WHERE job = 'raw' AND idx BETWEEN $1 AND $2`,
            range,
          );
          if (rowCount !== range[1] - range[0] + 1) throw new Error('raw read came short');
          await client.query(
            `UPDATE ${table} SET status = 'COMPLETED' WHERE job = 'raw' AND idx BETWEEN $1 AND $2`,
            range,
          );
        }
        await client.end();
      }),
    );
  });
  return [rawPrepare, rawProcessing];
}

// -------------------------------------------------------------------------------------- SQLite

/** Milliseconds spent inside better-sqlite3 calls of this process so far. */
let sqliteMs = 0;

/** Times every statement call and `exec` of better-sqlite3 in this process. */
function timeSqliteCalls() {
  const probe = new Database(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  const wrap = (proto, name) => {
    const original = proto[name];
    proto[name] = function timed(...args) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        sqliteMs += performance.now() - started;
      }
    };
  };
  for (const name of ['run', 'all', 'get']) wrap(statementProto, name);
  wrap(Database.prototype, 'exec');
}

async function measuredSqlite(work) {
  const before = sqliteMs;
  const started = performance.now();
  await work();
  return { ms: performance.now() - started, dbMs: sqliteMs - before };
}

async function sqliteFigures() {
  timeSqliteCalls();
  const { SqliteStateStore } = await import('@batchactions/state-sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'ba-dbtime-sqlite-'));
  try {
    const ours = [];
    for (const layout of layouts) {
      const store = new SqliteStateStore({
        filename: join(dir, `store-${layout}.sqlite`),
        batchPayloads: layout === 'payloads',
      });
      await store.initialize();
      const di = new DistributedImport({ schema, batchSize, stateStore: store });
      let jobId;
      const prepare = await measuredSqlite(async () => {
        ({ jobId } = await di.prepare(new FilePathSource(csvFile), new CsvParser()));
      });
      const processing = await measuredSqlite(async () => {
        const { processed } = await runWorker(di, jobId, () => undefined, { workerId: 'w0' });
        if (processed !== rows) throw new Error(`processed ${processed} of ${rows}`);
      });
      await store.close();
      ours.push([layout, prepare, processing]);
    }

    const db = new Database(join(dir, 'raw.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE raw_records (job TEXT NOT NULL, idx INTEGER NOT NULL,
      status TEXT NOT NULL, raw TEXT NOT NULL, PRIMARY KEY (job, idx)) WITHOUT ROWID`);
    const insert = db.prepare(
      `INSERT INTO raw_records (job, idx, status, raw) VALUES (?, ?, 'PENDING', ?)`,
    );
    const insertBatch = db.transaction((job, batch) => {
      for (const r of batch) insert.run(job, r.index, JSON.stringify(r.raw));
    });
    const rawPrepare = await measuredSqlite(async () => {
      for await (const batch of csvBatches('ours')) insertBatch('raw', batch);
    });
    rawPrepare.handRolled = await measuredSqlite(async () => {
      for await (const batch of csvBatches('csv-parse')) insertBatch('hand-rolled', batch);
    });
    const select = db.prepare(
      `SELECT idx, status, raw FROM raw_records WHERE job = 'raw' AND idx BETWEEN ? AND ?`,
    );
    const update = db.prepare(
      `UPDATE raw_records SET status = 'COMPLETED' WHERE job = 'raw' AND idx BETWEEN ? AND ?`,
    );
    const rawProcessing = await measuredSqlite(async () => {
      const next = ranges();
      for (let range = next(); range !== undefined; range = next()) {
        const read = select.all(...range).map((row) => JSON.parse(row.raw));
        if (read.length !== range[1] - range[0] + 1) throw new Error('raw read came short');
        update.run(...range);
        await Promise.resolve();
      }
    });
    db.close();
    return ours.flatMap(([layout, prepare, processing]) => [
      [`SqliteStateStore${layoutLabel(layout)}`, 'prepare', prepare, rawPrepare],
      [`SqliteStateStore${layoutLabel(layout)}`, 'processing, 1 worker', processing, rawProcessing],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --------------------------------------------------------------------------------------- report

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(
  `${fmt(rows)} records, batch ${batchSize}, CSV fast path ${values['csv-fast']} — ${machine}, load ${loadavg()[0].toFixed(1)}`,
);
const lines = [
  '| store | phase | records/s | DB ms per 1,000 records | pages per 1,000 records | raw baseline records/s | raw DB ms per 1,000 records | raw pages per 1,000 records | hand-rolled loader records/s |',
  '|---|---|---|---|---|---|---|---|---|',
];
for (const kind of kinds) {
  const figures = kind === 'postgres' ? await postgresFigures() : await sqliteFigures();
  for (const [store, phase, ours, raw] of figures) {
    // PostgreSQL: shared-buffer pages touched per 1,000 records too (load does not inflate them).
    const pages = (m) => (m.blocks === undefined ? '–' : perThousand(m.blocks));
    const line = `| ${store} | ${phase} | ${fmt(rate(ours.ms))} | ${perThousand(ours.dbMs)} | ${pages(ours)} | ${fmt(rate(raw.ms))} | ${perThousand(raw.dbMs)} | ${pages(raw)} | ${raw.handRolled === undefined ? '–' : fmt(rate(raw.handRolled.ms))} |`;
    console.log(line);
    lines.push(line);
  }
}
console.log(`load after: ${loadavg()[0].toFixed(1)}`);
