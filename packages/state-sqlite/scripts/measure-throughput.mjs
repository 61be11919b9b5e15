// Measures registerBatch (prepare) and claim + getBatchRecords + completeBatch (processing)
// throughput on a file database, with 1 process and with N processes.
// Usage: npm run build -w packages/core -w packages/state-sqlite
//        node packages/state-sqlite/scripts/measure-throughput.mjs [records=100000] [batchSize=500] [processes=4]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobStatus, createBatch, createPendingRecord } from '@batchactions/core';
import { SqliteStateStore } from '@batchactions/state-sqlite';

const [records = 100_000, batchSize = 500, processes = 4] = process.argv.slice(2).map(Number);

function jobState(id, status, batches) {
  return {
    id,
    config: { batchSize },
    status,
    batches: batches.map((b) => ({ ...b, records: [] })),
    totalRecords: records,
    startedAt: Date.now(),
    distributed: true,
  };
}

function makeBatches(jobId) {
  const batches = [];
  for (let start = 0, i = 0; start < records; start += batchSize, i += 1) {
    const recs = [];
    for (let n = start; n < Math.min(records, start + batchSize); n += 1) {
      recs.push(
        createPendingRecord(n, {
          id: String(n),
          name: `User ${n}`,
          email: `user${n}@example.com`,
          age: String(20 + (n % 50)),
          city: 'Lisbon',
        }),
      );
    }
    batches.push(createBatch(`${jobId}-b${i}`, i, recs));
  }
  return batches;
}

async function prepare(store, jobId) {
  const batches = makeBatches(jobId);
  await store.saveJobState(jobState(jobId, JobStatus.CREATED, []));
  const t0 = performance.now();
  for (const batch of batches) await store.registerBatch(jobId, batch);
  const ms = performance.now() - t0;
  await store.saveJobState(jobState(jobId, JobStatus.PROCESSING, batches));
  return ms;
}

/** Claims and completes batches until none is left; returns records written. */
export async function work(store, jobId, workerId, validated) {
  let done = 0;
  for (;;) {
    const claim = await store.claimBatch(jobId, workerId);
    if (!claim.claimed) break;
    const r = claim.reservation;
    const recs = await store.getBatchRecords(jobId, r.batchId);
    const out = recs.map((rec) => ({
      ...rec,
      ...(validated ? { parsed: { ...rec.parsed, age: Number(rec.parsed.age) } } : {}),
      status: 'processed',
    }));
    await store.completeBatch({ jobId, batchId: r.batchId, workerId, attempt: r.attempt }, out, {
      status: 'COMPLETED',
      processedCount: out.length,
      failedCount: 0,
    });
    done += out.length;
  }
  return done;
}

async function child(filename, jobId, workerId, validated) {
  const store = new SqliteStateStore({ filename });
  await store.initialize();
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  const done = await work(store, jobId, workerId, validated);
  await store.close();
  process.stdout.write(`${done}\n`);
}

async function multiProcess(filename, jobId, validated) {
  const self = fileURLToPath(import.meta.url);
  const kids = Array.from({ length: processes }, (_, i) =>
    spawn(process.execPath, [self, '--child', filename, jobId, `p${i}`, String(validated)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = kids.map((k) => {
    let buf = '';
    k.stdout.on('data', (d) => (buf += d));
    return { get: () => buf };
  });
  const waitFor = (pred) =>
    new Promise((resolve) => {
      const t = setInterval(() => pred() && (clearInterval(t), resolve()), 5);
    });
  await waitFor(() => lines.every((l) => l.get().includes('ready')));
  const t0 = performance.now();
  for (const k of kids) k.stdin.end('go\n');
  await Promise.all(kids.map((k) => new Promise((resolve) => k.on('exit', resolve))));
  const ms = performance.now() - t0;
  const total = lines.reduce((sum, l) => sum + Number(l.get().split('\n')[1]), 0);
  return { ms, total };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'batchactions-sqlite-bench-'));
  const filename = join(dir, 'bench.db');
  const store = new SqliteStateStore({ filename });
  await store.initialize();
  const rate = (n, ms) => `${Math.round((n / ms) * 1000).toLocaleString('en')} records/s`;
  try {
    console.log(`${records} records, batch ${batchSize}, file ${filename}`);
    for (const validated of [false, true]) {
      const label = validated ? 'parsed != raw' : 'parsed === raw';
      const a = `job-a-${validated}`;
      const prepMs = await prepare(store, a);
      console.log(
        `registerBatch:                       ${rate(records, prepMs)} (${prepMs.toFixed(0)} ms)`,
      );
      const t0 = performance.now();
      const n = await work(store, a, 'solo', validated);
      const procMs = performance.now() - t0;
      console.log(`process, 1 process (${label}):  ${rate(n, procMs)} (${procMs.toFixed(0)} ms)`);
      const b = `job-b-${validated}`;
      await prepare(store, b);
      const { ms, total } = await multiProcess(filename, b, validated);
      console.log(
        `process, ${processes} processes (${label}): ${rate(total, ms)} (${ms.toFixed(0)} ms, ${total} records)`,
      );
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , filename, jobId, workerId, validated] = process.argv;
  await child(filename, jobId, workerId, validated === 'true');
} else {
  await main();
}
