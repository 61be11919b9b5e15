// Statements per batch of one in-process worker on the shared SQL store through Sequelize, whose
// `logging` sees every statement (transaction control included): a load-independent measure of
// what a batch costs the database. Prepares --rows records (batch 500), then counts while one
// worker processes them with a no-op processor; prints the statements per batch and the most
// frequent ones.
// Usage: npm run build && node bench/statements-per-batch.mjs [--rows 20000]
//          [--stores sequelize-mariadb,sequelize-postgres]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FilePathSource } from '@batchactions/core';
import { DistributedImport, runWorker } from '@batchactions/distributed';
import { CsvParser } from '@batchactions/import';
import { SequelizeStateStore } from '@batchactions/state-sequelize';
import { schema, usersCsvLines } from './shared.mjs';
import { freshStore, sequelizeFromEnv } from './state-sequelize-stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    stores: { type: 'string', default: 'sequelize-mariadb,sequelize-postgres' },
  },
});
const rows = Number(values.rows);
const dir = mkdtempSync(join(tmpdir(), 'ba-bench-statements-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'users.csv');
writeFileSync(csv, [...usersCsvLines(rows)].join(''));

for (const kind of values.stores.split(',')) {
  const rig = await freshStore(kind);
  let counting = false;
  const seen = new Map();
  const logging = (sql) => {
    if (!counting) return;
    const key = sql
      .replace(/^Executing \([^)]*\): /, '')
      .replace(/\s+/g, ' ')
      .slice(0, 70);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  };
  const sequelize = sequelizeFromEnv(rig.env, { logging });
  try {
    const store = new SequelizeStateStore(sequelize);
    await store.initialize();
    const di = new DistributedImport({ schema, batchSize: 500, stateStore: store });
    const { jobId } = await di.prepare(new FilePathSource(csv), new CsvParser());
    counting = true;
    const result = await runWorker(di, jobId, () => undefined, { workerId: 'w0' });
    counting = false;
    if (result.processed !== rows) throw new Error(`processed ${result.processed} of ${rows}`);
    const total = [...seen.values()].reduce((a, b) => a + b, 0);
    const batches = Math.ceil(rows / 500);
    console.log(`${kind}: ${(total / batches).toFixed(2)} statements per batch of 500`);
    for (const [sql, n] of [...seen].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`  ${(n / batches).toFixed(2)}  ${sql}`);
    }
  } finally {
    await sequelize.close();
    await rig.dispose();
  }
}
