// What reading a batch's 500 records costs Prisma 7 (adapter-mariadb, prepareCacheLength 256)
// and Sequelize 6 on MariaDB, as 500 rows or as one row holding a JSON array
// (JSON_ARRAYAGG): CPU ms per call, one process, 100 calls after 20 warm-up calls (issue 24).
// Uses a scratch table tmp_limits2_rows in the test database, dropped at the end.
// Usage: node bench/prisma-rows-vs-aggregate.mjs (Prisma clients generated as for
// bench/prisma-call-overhead.mjs).
import { pathToFileURL } from 'node:url';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { QueryTypes, Sequelize } from 'sequelize';
import {
  generatedPrismaClient,
  mariaDbAdapterOptions,
  MARIADB_URL,
} from './state-sequelize-stores.mjs';
async function perCall(n, call) {
  for (let k = 0; k < 20; k += 1) await call();
  const cpu = process.cpuUsage();
  for (let k = 0; k < n; k += 1) await call();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / n;
}
const sequelize = new Sequelize(MARIADB_URL, { logging: false, pool: { max: 4 } });
await sequelize.query(
  'CREATE TABLE IF NOT EXISTS tmp_limits2_rows (i INT PRIMARY KEY, s VARCHAR(20), raw TEXT, parsed TEXT, errs TEXT)',
);
await sequelize.query('DELETE FROM tmp_limits2_rows');
const values = Array.from(
  { length: 500 },
  (_, i) =>
    `(${i}, 'processed', '${JSON.stringify({ email: `u${i}@e.com`, name: `User ${i}` })}', '${JSON.stringify({ email: `u${i}@e.com`, name: `User ${i}` })}', '[]')`,
).join(',');
await sequelize.query(`INSERT INTO tmp_limits2_rows VALUES ${values}`);
const rowsSql = 'SELECT i, s, raw, parsed, errs FROM tmp_limits2_rows WHERE i >= ? ORDER BY i';
const aggSql =
  'SELECT JSON_ARRAYAGG(JSON_ARRAY(i, s, raw, parsed, errs) ORDER BY i) AS a FROM tmp_limits2_rows WHERE i >= ?';
const { PrismaClient } = await import(pathToFileURL(generatedPrismaClient('mysql')).href);
const prisma = new PrismaClient({
  adapter: new PrismaMariaDb(mariaDbAdapterOptions(MARIADB_URL, true)),
});
const out = [];
out.push(['prisma 500 rows', await perCall(100, () => prisma.$queryRawUnsafe(rowsSql, 0))]);
out.push([
  'prisma 1 row JSON_ARRAYAGG + JSON.parse',
  await perCall(100, async () => {
    const a = (await prisma.$queryRawUnsafe(aggSql, 0))[0].a;
    return typeof a === 'string' ? JSON.parse(a) : a;
  }),
]);
out.push([
  'sequelize 500 rows',
  await perCall(100, () =>
    sequelize.query(rowsSql, { type: QueryTypes.SELECT, replacements: [0] }),
  ),
]);
out.push([
  'sequelize 1 row JSON_ARRAYAGG + JSON.parse',
  await perCall(100, async () => {
    const r = await sequelize.query(aggSql, { type: QueryTypes.SELECT, replacements: [0] });
    return typeof r[0].a === 'string' ? JSON.parse(r[0].a) : r[0].a;
  }),
]);
out.push(['prisma 500 rows (again)', await perCall(100, () => prisma.$queryRawUnsafe(rowsSql, 0))]);
for (const [k, v] of out) console.log(`${k} | ${v.toFixed(2)} ms CPU/call`);
await sequelize.query('DROP TABLE tmp_limits2_rows');
await prisma.$disconnect();
await sequelize.close();
