// CPU per store call inside N worker processes on one job (issue 24: where Prisma's cost is on
// MariaDB against Sequelize's): each process wraps its store, measures `process.cpuUsage()`
// and wall time around every call, and prints the means with its worker loop's CPU. With
// --warm, each process first works through a job of its own size on the same tables, so that
// the figures are those of a warm process (the JIT having compiled the client's code).
// Prepare runs through the Sequelize store (same tables), so no process has warmed up before.
// Usage: npm run build && node bench/store-call-cpu.mjs [--rows 40000] [--processes 4]
//          [--stores prisma-mariadb,sequelize-mariadb] [--warm]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { schema, usersCsvLines } from './shared.mjs';
import { freshStore, storeFromEnv } from './state-sequelize-stores.mjs';

/** A worker process: its own store, each call measured; prints one line. */
async function child() {
  const { store: inner, close } = await storeFromEnv(JSON.parse(process.env.RIG));
  const stats = new Map();
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args) => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        try {
          return await value.apply(target, args);
        } finally {
          const used = process.cpuUsage(cpu);
          const s = stats.get(key) ?? { calls: 0, cpuUs: 0, wallMs: 0 };
          s.calls += 1;
          s.cpuUs += used.user + used.system;
          s.wallMs += performance.now() - started;
          stats.set(key, s);
        }
      };
    },
  });
  const workerId = process.env.WORKER_ID;
  if (process.env.WARM_JOB) {
    const warm = new DistributedImport({ schema, batchSize: 500, stateStore: inner });
    await runWorker(warm, process.env.WARM_JOB, () => undefined, { workerId });
    // Let the other processes finish theirs: the measured job starts together.
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.START_AT) - Date.now()));
  }
  const di = new DistributedImport({ schema, batchSize: 500, stateStore: store });
  const cpu = process.cpuUsage();
  const result = await runWorker(di, process.env.JOB_ID, () => undefined, { workerId });
  const used = process.cpuUsage(cpu);
  const calls = [...stats]
    .filter(([, s]) => s.calls > 3)
    .map(
      ([name, s]) =>
        `${name} ${s.calls}× ${(s.cpuUs / s.calls / 1000).toFixed(2)} ms CPU / ${(s.wallMs / s.calls).toFixed(1)} ms wall`,
    );
  console.log(
    `  [${workerId}] ${result.processed} records, loop ${Math.round((used.user + used.system) / 1000)} ms CPU; ${calls.join('; ')}`,
  );
  await close();
}

if (process.env.WORKER_ID) {
  await child();
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '40000' },
    processes: { type: 'string', default: '4' },
    stores: { type: 'string', default: 'prisma-mariadb,sequelize-mariadb' },
    warm: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
const processes = Number(values.processes);
const dir = mkdtempSync(join(tmpdir(), 'ba-bench-call-cpu-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'users.csv');
writeFileSync(csv, [...usersCsvLines(rows)].join(''));
const script = fileURLToPath(import.meta.url);

for (const kind of values.stores.split(',')) {
  const rig = await freshStore(kind);
  try {
    const prep = await storeFromEnv({ ...rig.env, STORE_KIND: 'sequelize-mariadb' });
    const di = new DistributedImport({ schema, batchSize: 500, stateStore: prep.store });
    const { jobId } = await di.prepare(new FilePathSource(csv), new CsvParser());
    const warm = values.warm
      ? (await di.prepare(new FilePathSource(csv), new CsvParser())).jobId
      : undefined;
    await prep.close();
    // Warm processes start the measured job together, a while after the warm-up job.
    const startAt = String(Date.now() + Math.max(20_000, rows));
    console.log(`${kind}, ${processes} processes, ${rows} records${warm ? ', warm' : ''}:`);
    await Promise.all(
      Array.from(
        { length: processes },
        (_, i) =>
          new Promise((resolve, reject) => {
            const env = { ...process.env, WORKER_ID: `p${i}`, RIG: JSON.stringify(rig.env) };
            env.JOB_ID = jobId;
            if (warm) Object.assign(env, { WARM_JOB: warm, START_AT: startAt });
            fork(script, [], { env }).on('exit', (code) =>
              code === 0 ? resolve() : reject(new Error(`worker p${i} exited with ${code}`)),
            );
          }),
      ),
    );
  } finally {
    await rig.dispose();
  }
}
