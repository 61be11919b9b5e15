// Benchmark of SequelizeStateStore against the PostgresStateStore baseline, same work as
// bench/run.mjs: prepare N records from a CSV file (batch 500), then process them with a no-op
// processor in 4 worker processes. Stores are measured in turn, `--rounds` times, and the best
// round is kept, since other work on the machine varies. Prints records/s and the load average,
// and writes the "SequelizeStateStore" section of bench/results.md.
// Usage: npm run build && node bench/state-sequelize.mjs [--rows 100000] [--batch-size 500]
//          [--rounds 2] [--stores postgres,sequelize-postgres,sequelize-mariadb]
// To compare with an earlier build in the same run, copy its packages/state-sequelize/dist to
// <dir>/dist and run with SEQ_BASELINE=<dir> --stores sequelize-mariadb-baseline,sequelize-mariadb.
// DB_PID=<pid of mariadbd> prints the server's CPU time while processing (Linux).
// WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=<dir>' profiles the worker processes.
// STORE_TIMINGS=1 prints per-method call counts and times, and the CPU of each worker's loop, on stderr.
// Prisma: PRISMA_BASELINE=<dir> with --stores prisma-<postgres|mariadb>-baseline compares an
// earlier build (see state-sequelize-stores.mjs); --section prisma writes the "PrismaStateStore
// (issue 24)" section of bench/results.md instead of the SequelizeStateStore one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { runBenchWorker, schema, usersCsvLines } from './shared.mjs';
import { freshStore, storeFromEnv } from './state-sequelize-stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'batch-size': { type: 'string', default: '500' },
    rounds: { type: 'string', default: '2' },
    stores: { type: 'string', default: 'postgres,sequelize-postgres,sequelize-mariadb' },
    section: { type: 'string', default: 'sequelize' },
  },
});
const rows = Number(values.rows);
const batchSize = Number(values['batch-size']);
const rounds = Number(values.rounds);
const kinds = values.stores.split(',');
const workerScript = fileURLToPath(new URL('./state-sequelize-worker.mjs', import.meta.url));

const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-data-'));
const csvFile = join(dataDir, 'users.csv');
writeFileSync(csvFile, [...usersCsvLines(rows)].join(''));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const rate = (n, ms) => Math.round((n / ms) * 1000);

/** One worker process (WORKER_NODE_ARGS: options for node, to profile it). */
const runChild = (env) =>
  runBenchWorker(env, workerScript, process.env.WORKER_NODE_ARGS?.split(' ').filter(Boolean) ?? []);

/** CPU ms used so far by the database server process DB_PID (Linux), for profiling; 0 without. */
function serverCpuMs() {
  if (!process.env.DB_PID) return 0;
  const fields = readFileSync(`/proc/${process.env.DB_PID}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One round on a fresh store: prepare, then 4 worker processes. */
async function round(kind) {
  const rig = await freshStore(kind);
  try {
    const { store, close } = await storeFromEnv(rig.env);
    const di = new DistributedImport({ schema, batchSize, stateStore: store });
    const started = performance.now();
    const { jobId, totalRecords } = await di.prepare(new FilePathSource(csvFile), new CsvParser());
    const prepareMs = performance.now() - started;
    await close();
    if (totalRecords !== rows) throw new Error(`prepared ${totalRecords}, expected ${rows}`);
    const serverCpuBefore = serverCpuMs();
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        runChild({ ...rig.env, JOB_ID: jobId, WORKER_ID: `p${i}`, BATCH_SIZE: String(batchSize) }),
      ),
    );
    // From the first worker starting its loop to the last one ending (start-up excluded).
    const ms =
      Math.max(...results.map((r) => r.endedAt)) - Math.min(...results.map((r) => r.startedAt));
    const processed = results.reduce((n, r) => n + r.processed, 0);
    if (processed !== rows) throw new Error(`processed ${processed}, expected ${rows}`);
    if (results.filter((r) => r.jobComplete).length !== 1)
      throw new Error('expected one finaliser');
    const serverCpu = serverCpuMs() - serverCpuBefore;
    if (process.env.DB_PID) console.log(`  database server CPU while processing: ${serverCpu} ms`);
    return { prepare: rate(rows, prepareMs), process: rate(rows, ms) };
  } finally {
    await rig.dispose();
  }
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const loadBefore = loadavg()[0].toFixed(1);
console.log(
  `${rows} records, batch ${batchSize}, ${rounds} rounds — ${machine}, load ${loadBefore}`,
);
const best = new Map(kinds.map((k) => [k, { prepare: 0, process: 0 }]));
const roundLines = [];
for (let r = 0; r < rounds; r += 1) {
  for (const kind of kinds) {
    const result = await round(kind);
    const line = `round ${r + 1} ${kind}: prepare ${result.prepare} rec/s, 4 processes ${result.process} rec/s (load ${loadavg()[0].toFixed(1)})`;
    console.log(line);
    roundLines.push(line);
    const b = best.get(kind);
    b.prepare = Math.max(b.prepare, result.prepare);
    b.process = Math.max(b.process, result.process);
  }
}
const loadAfter = loadavg()[0].toFixed(1);
const label = {
  postgres: 'PostgresStateStore (baseline)',
  'sequelize-postgres': 'SequelizeStateStore, PostgreSQL 15',
  'sequelize-mariadb': 'SequelizeStateStore, MariaDB 10.11',
  'sequelize-sqlite': 'SequelizeStateStore, SQLite (file, WAL)',
  'sequelize-postgres-baseline': 'SequelizeStateStore (SEQ_BASELINE build), PostgreSQL 15',
  'sequelize-mariadb-baseline': 'SequelizeStateStore (SEQ_BASELINE build), MariaDB 10.11',
  'prisma-postgres': 'PrismaStateStore (Prisma 7, adapter-pg), PostgreSQL 15',
  'prisma-mariadb': 'PrismaStateStore (Prisma 7, adapter-mariadb), MariaDB 10.11',
  'prisma-mariadb-text':
    'PrismaStateStore (Prisma 7, adapter-mariadb, useTextProtocol), MariaDB 10.11',
  'prisma-postgres-baseline': 'PrismaStateStore (PRISMA_BASELINE build), PostgreSQL 15',
  'prisma-mariadb-baseline':
    'PrismaStateStore (PRISMA_BASELINE build, adapter defaults), MariaDB 10.11',
  'prisma-postgres-small-compiler':
    'PrismaStateStore (Prisma 7, adapter-pg, compilerBuild "small"), PostgreSQL 15',
  'prisma-mariadb-small-compiler':
    'PrismaStateStore (Prisma 7, adapter-mariadb, compilerBuild "small"), MariaDB 10.11',
  'prisma-mariadb-default-adapter':
    'PrismaStateStore (Prisma 7, adapter-mariadb with its defaults), MariaDB 10.11',
};
const table = [
  '| store | prepare rec/s | 4 processes rec/s |',
  '|---|---|---|',
  ...kinds.map((k) => {
    const b = best.get(k);
    return `| ${label[k] ?? k} | ${b.prepare.toLocaleString('en')} | ${b.process.toLocaleString('en')} |`;
  }),
].join('\n');
console.log(table);
/** The section of results.md this run writes: its marker and title. */
const { marker: sectionMarker, title: sectionTitle } =
  values.section === 'prisma'
    ? { marker: 'state-prisma', title: 'PrismaStateStore (issue 24)' }
    : { marker: 'state-sequelize', title: 'SequelizeStateStore' };
const baselineCommand = [
  kinds.some((k) => k.startsWith('sequelize-') && k.endsWith('-baseline'))
    ? 'SEQ_BASELINE=<copy of the earlier build> '
    : '',
  kinds.some((k) => k.startsWith('prisma-') && k.endsWith('-baseline'))
    ? 'PRISMA_BASELINE=<earlier build, bundled> '
    : '',
].join('');
const section = `<!-- ${sectionMarker}:start -->\n## ${sectionTitle}\n\n${rows.toLocaleString('en')} records, batch ${batchSize}, no-op processor, best of ${rounds} rounds (stores measured in turn), ${new Date().toISOString().slice(0, 10)}.\nMachine: ${machine}; 1-minute load average ${loadBefore} before, ${loadAfter} after (the benchmark's own processes count in it).\nCommand: \`npm run build && ${baselineCommand}node bench/state-sequelize.mjs --rows ${rows} --batch-size ${batchSize} --rounds ${rounds} --stores ${kinds.join(',')}${values.section === 'prisma' ? ' --section prisma' : ''}\`\n\n${table}\n\n4 processes: records/s from the first worker starting its loop to the last one finishing.\n\nEvery round (1-minute load average after it):\n\n\`\`\`\n${roundLines.join('\n')}\n\`\`\`\n<!-- ${sectionMarker}:end -->\n`;
const resultsFile = new URL('./results.md', import.meta.url);
const current = readFileSync(resultsFile, 'utf8');
const marker = new RegExp(
  `<!-- ${sectionMarker}:start -->[\\s\\S]*<!-- ${sectionMarker}:end -->\\n`,
);
writeFileSync(
  resultsFile,
  marker.test(current) ? current.replace(marker, section) : `${current}\n${section}`,
);
