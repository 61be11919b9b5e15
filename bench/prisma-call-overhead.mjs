// What one statement costs through Prisma 7's raw queries on MariaDB, against Sequelize on the
// same server: the per-call overhead behind PrismaStateStore's processing rate (issue 24). One
// process, one statement at a time, after 20 warm-up calls; wall and CPU (user + system) time
// per call. Prisma runs twice: with @prisma/adapter-mariadb's defaults (no prepared-statement
// cache: every statement is prepared, run and closed) and with `prepareCacheLength: 256`, as
// the state-prisma README recommends.
// Usage: npx vitest run packages/state-prisma/tests/quick-start.test.ts (generates the Prisma
//          clients, once) && node bench/prisma-call-overhead.mjs [--calls 300]
// MARIADB_URL (default mariadb://root@127.0.0.1:3306/test) names the server.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { QueryTypes, Sequelize } from 'sequelize';
import {
  generatedPrismaClient,
  mariaDbAdapterOptions,
  MARIADB_URL,
} from './state-sequelize-stores.mjs';

const { values } = parseArgs({ options: { calls: { type: 'string', default: '300' } } });
const calls = Number(values.calls);

/** 500 records as one JSON document (about the size of a batch's completion). */
const documentOf500 = JSON.stringify(
  Array.from({ length: 500 }, (_, i) => ({
    i,
    s: 'processed',
    w: { email: `user${i}@example.com`, name: `User ${i}` },
    p: { email: `user${i}@example.com`, name: `User ${i}` },
    e: [],
  })),
);
/** Reads the document back as 500 rows with three JSON columns (about a batch's records). */
const readDocument = `
  SELECT input.i, input.s, input.w, input.p, input.e
  FROM JSON_TABLE(?, '$[*]' COLUMNS (
    i INT PATH '$.i', s VARCHAR(10) PATH '$.s',
    w JSON PATH '$.w', p JSON PATH '$.p', e JSON PATH '$.e')) AS input`;

/** Milliseconds of wall and CPU time per call of `call`, over `n` calls after a warm-up. */
async function perCall(n, call) {
  for (let k = 0; k < 20; k += 1) await call();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let k = 0; k < n; k += 1) await call();
  const wall = (performance.now() - started) / n;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: (used.user + used.system) / 1000 / n };
}

async function prismaClient(cached) {
  const { PrismaClient } = await import(pathToFileURL(generatedPrismaClient('mysql')).href);
  const adapter = new PrismaMariaDb(mariaDbAdapterOptions(MARIADB_URL, cached));
  return new PrismaClient({ adapter });
}

/** The three kinds of call a batch makes, through one client. */
function prismaCalls(prisma) {
  return {
    'SELECT 1': () => prisma.$queryRawUnsafe('SELECT 1 AS x'),
    'transaction of 3 statements (READ COMMITTED)': () =>
      prisma.$transaction(
        async (tx) => {
          await tx.$queryRawUnsafe('SELECT 1 AS x');
          await tx.$queryRawUnsafe('SELECT 2 AS x');
          await tx.$executeRawUnsafe('DO 1');
        },
        { isolationLevel: 'ReadCommitted' },
      ),
    '500 rows of JSON from a 150 kB parameter': () =>
      prisma.$queryRawUnsafe(readDocument, documentOf500),
  };
}

function sequelizeCalls(sequelize) {
  const select = (sql, options = {}) =>
    sequelize.query(sql, { type: QueryTypes.SELECT, ...options });
  return {
    'SELECT 1': () => select('SELECT 1 AS x'),
    'transaction of 3 statements (READ COMMITTED)': () =>
      sequelize.transaction({ isolationLevel: 'READ COMMITTED' }, async (transaction) => {
        await select('SELECT 1 AS x', { transaction });
        await select('SELECT 2 AS x', { transaction });
        await sequelize.query('DO 1', { transaction });
      }),
    '500 rows of JSON from a 150 kB parameter': () =>
      select(readDocument, { replacements: [documentOf500] }),
  };
}

const rows = [];
for (const [label, open] of [
  ['Prisma 7, adapter-mariadb defaults', () => prismaClient(false)],
  ['Prisma 7, adapter-mariadb, prepareCacheLength 256', () => prismaClient(true)],
  ['Sequelize 6, mariadb', () => new Sequelize(MARIADB_URL, { logging: false, pool: { max: 4 } })],
]) {
  const client = await open();
  const kinds = label.startsWith('Prisma') ? prismaCalls(client) : sequelizeCalls(client);
  for (const [kind, call] of Object.entries(kinds)) {
    const n = kind.startsWith('500') ? Math.max(10, Math.round(calls / 6)) : calls;
    const { wall, cpu } = await perCall(n, call);
    rows.push(`| ${label} | ${kind} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} |`);
  }
  await (label.startsWith('Prisma') ? client.$disconnect() : client.close());
}
console.log(
  ['| client | call | wall ms/call | CPU ms/call |', '|---|---|---|---|', ...rows].join('\n'),
);
