// Interleaved micro check: old (main) vs new (pgcore) PostgresStateStore, same records.
import pg from 'pg';
const URL = 'postgres://postgres@127.0.0.1:5432/test';
const variants = {
  old: await import('/work/main/packages/state-postgres/dist/index.js'),
  new: await import('/work/wt-pgcore/packages/state-postgres/dist/index.js'),
};
const core = await import('/work/wt-pgcore/packages/core/dist/index.js');
const BATCHES = 100, SIZE = 500;
function records(start) {
  return Array.from({ length: SIZE }, (_, i) => {
    const n = start + i;
    return core.createPendingRecord(n, { id: String(n), name: `Name ${n}`, email: `user${n}@example.com`, amount: `${n % 1000}.25`, city: 'Springfield' });
  });
}
const admin = new pg.Client({ connectionString: URL }); await admin.connect();
async function round(name, r) {
  const schema = `micro_${name}_${r}`;
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const store = new variants[name].PostgresStateStore({ connectionString: URL, schema, poolSize: 6 });
  await store.initialize();
  const jobId = 'job-1';
  await store.saveJobState({ id: jobId, config: { batchSize: SIZE }, status: 'CREATED', batches: [], totalRecords: 0, distributed: true });
  const batches = Array.from({ length: BATCHES }, (_, b) => core.createBatch(`b${b}`, b, records(b * SIZE)));
  const lsn = async () => (await admin.query('SELECT pg_current_wal_lsn() AS l')).rows[0].l;
  const wal = async (from) => Number((await admin.query('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1) AS d', [from])).rows[0].d);
  let l0 = await lsn(); let c0 = process.cpuUsage();
  let t = performance.now();
  for (let b = 0; b < BATCHES; b += 2) {
    await Promise.all([store.registerBatch(jobId, batches[b]), store.registerBatch(jobId, batches[b + 1])]);
  }
  await store.finishPrepare(jobId, BATCHES * SIZE, Date.now());
  const prep = performance.now() - t;
  const prepWal = await wal(l0); const prepCpu = process.cpuUsage(c0);
  const size = Number((await admin.query(`SELECT pg_total_relation_size('${schema}.records') AS s`)).rows[0].s);
  l0 = await lsn(); c0 = process.cpuUsage();
  t = performance.now();
  const worker = async (w) => {
    for (;;) {
      const c = await store.claimBatch(jobId, w);
      if (!c.claimed) return;
      const r = c.reservation;
      const recs = await store.getBatchRecords(jobId, r.batchId);
      await store.completeBatch({ jobId, batchId: r.batchId, workerId: w, attempt: r.attempt }, recs.map((x) => core.markRecordProcessed(x)), { status: 'COMPLETED', processedCount: recs.length, failedCount: 0 });
    }
  };
  await Promise.all([worker('w1'), worker('w2')]);
  await store.tryFinalizeJob(jobId);
  const proc = performance.now() - t;
  const procWal = await wal(l0); const procCpu = process.cpuUsage(c0);
  (cpu[name] ??= []).push([(prepCpu.user + prepCpu.system) / 1000, (procCpu.user + procCpu.system) / 1000]);
  if (r === 0) console.log(name, { prepWalMB: (prepWal / 1e6).toFixed(1), prepClientCpuMs: Math.round((prepCpu.user + prepCpu.system) / 1000), recordsMB: (size / 1e6).toFixed(1), procWalMB: (procWal / 1e6).toFixed(1), procClientCpuMs: Math.round((procCpu.user + procCpu.system) / 1000) });
  await store.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const n = BATCHES * SIZE;
  (results[name] ??= []).push([n / prep * 1000, n / proc * 1000]);
}
const results = {}; const cpu = {};
for (let r = 1; r <= 10; r += 1) { if (r % 2) { await round('old', r); await round('new', r); } else { await round('new', r); await round('old', r); } }
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return Math.round((s[4] + s[5]) / 2); };
for (const [name, rows] of Object.entries(results)) console.log(`${name}: register median ${median(rows.map((r) => r[0]))} rec/s, claim+read+complete median ${median(rows.map((r) => r[1]))} rec/s`);
await admin.end();

for (const [name, rows] of Object.entries(cpu)) console.log(`${name}: client CPU median register ${median(rows.map((r) => r[0]))} ms, processing ${median(rows.map((r) => r[1]))} ms`);
