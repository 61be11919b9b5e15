// Benchmark of early open (issue 14): a CSV of N rows on PostgreSQL, 4 worker processes that are
// already running (warm, waiting for a job id), no-op processor. For each size, in the same run:
// - published: the workers get the job id when prepare has stored every batch;
// - early open: the workers get it as soon as the job exists (`openEarly`, `onOpen`).
// Reports time to the first record processed (the first batch a worker wrote), prepare alone,
// processing alone, and file -> job:completed, as seconds and records/s, and writes
// bench/early-open.md (or --out). Also the peak memory (RSS) of the process that prepares and of
// each worker, each measured in its own process (the prepare runs in a child process too, see
// bench/early-open-prepare.mjs). Usage: npm run build && node bench/early-open.mjs [--rows 1000000,10000000]
//   [--batch-size 500] [--workers 4] [--layouts rows,payloads] [--out bench/early-open.md]
// (--layouts: the store's default one-row-per-record layout, `batchPayloads: true`, or both)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeUsersCsv } from './shared.mjs';
import { freshStore } from './stores.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,10000000' },
    'batch-size': { type: 'string', default: '500' },
    workers: { type: 'string', default: '4' },
    layouts: { type: 'string', default: 'rows' },
    out: { type: 'string', default: fileURLToPath(new URL('./early-open.md', import.meta.url)) },
  },
});
const layouts = values.layouts.split(',');
for (const layout of layouts) {
  if (layout !== 'rows' && layout !== 'payloads') {
    throw new Error(`--layouts: unknown layout "${layout}" (expected rows, payloads or both)`);
  }
}
const sizes = values.rows.split(',').map(Number);
const batchSize = Number(values['batch-size']);
const workerCount = Number(values.workers);
const dataDir = mkdtempSync(join(tmpdir(), 'ba-bench-early-'));
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

async function writeCsv(rows) {
  const file = join(dataDir, `users-${rows}.csv`);
  await writeUsersCsv(file, rows);
  return file;
}

/** The machine's busy and total CPU time so far (Linux /proc/stat), to tell a saturated machine. */
function cpuTimes() {
  if (!existsSync('/proc/stat')) return undefined;
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = fields[3] + (fields[4] ?? 0);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Cores busy on average between two `cpuTimes()` readings (e.g. 1.9 of 2). */
function coresBusy(from, to) {
  if (from === undefined || to === undefined || to.total === from.total) return undefined;
  return ((to.busy - from.busy) / (to.total - from.total)) * cpus().length;
}

/** Starts a warm worker; resolves `ready` once its store is open. */
function warmWorker(env, workerId) {
  const script = fileURLToPath(new URL('./early-open-worker.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, WORKER_ID: workerId, BATCH_SIZE: String(batchSize) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  let readyResolve;
  const ready = new Promise((resolve) => (readyResolve = resolve));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('"ready"')) readyResolve();
  });
  const done = new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`worker ${workerId} exited ${code}`)),
    ),
  );
  return { ready, start: (jobId) => child.stdin.end(`${jobId}\n`), done };
}

/**
 * Starts the prepare in a process of its own (bench/early-open-prepare.mjs); `onOpen(jobId)` when
 * the job is open to workers; `done` resolves with its times, counts and peak RSS.
 */
function prepareProcess(env, file, earlyOpen, onOpen) {
  const script = fileURLToPath(new URL('./early-open-prepare.mjs', import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      ...env,
      FILE: file,
      OPEN_EARLY: earlyOpen ? '1' : '0',
      BATCH_SIZE: String(batchSize),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let opened = false;
  child.stdout.on('data', (d) => {
    out += d;
    const open = /\{"open":"([^"]+)"\}/.exec(out);
    if (!opened && open !== null) {
      opened = true;
      onOpen(open[1]);
    }
  });
  return new Promise((resolve, reject) =>
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)))
        : reject(new Error(`prepare exited ${code}`)),
    ),
  );
}

async function run(file, rows, earlyOpen, layout) {
  const rig = await freshStore('postgres', { batchPayloads: layout === 'payloads' });
  try {
    const store = await rig.open();
    const workers = Array.from({ length: workerCount }, (_, i) => warmWorker(rig.env, `w${i}`));
    await Promise.all(workers.map((w) => w.ready));
    const cpu0 = cpuTimes();
    const result = await prepareProcess(rig.env, file, earlyOpen, (jobId) => {
      for (const w of workers) w.start(jobId);
    });
    // Times from the moment the prepare process starts its prepare (its code loaded).
    const { startedAt: t0, openedAt, preparedAt } = result;
    const cpuPrepared = cpuTimes();
    const prepareRssMb = result.maxRssMb;
    if (result.totalRecords !== rows) throw new Error(`prepared ${result.totalRecords} of ${rows}`);
    const reports = await Promise.all(workers.map((w) => w.done));
    const cpuEnd = cpuTimes();
    const job = await store.getJobState(result.jobId);
    if (job.status !== 'COMPLETED') throw new Error(`job ended ${job.status}`);
    const processed = reports.reduce((n, r) => n + r.processed, 0);
    if (processed !== rows) throw new Error(`processed ${processed} of ${rows}`);
    const firstRecordAt = Math.min(...reports.map((r) => r.firstBatchAt ?? Infinity));
    const completedAt = job.completedAt;
    await store.close();
    return {
      rows,
      layout,
      variant: earlyOpen ? 'early open' : 'published (open when prepared)',
      firstRecordMs: firstRecordAt - t0,
      prepareMs: preparedAt - t0,
      // Processing alone: from the open to the completion, when it did not overlap the prepare.
      processingMs: completedAt - (openedAt ?? preparedAt),
      fileToCompletedMs: completedAt - t0,
      workerRssMb: Math.max(...reports.map((r) => r.maxRssMb)),
      prepareRssMb,
      // Cores busy (of all the machine's) while prepare ran, and after it until the end.
      coresDuringPrepare: coresBusy(cpu0, cpuPrepared),
      coresAfterPrepare: coresBusy(cpuPrepared, cpuEnd),
    };
  } finally {
    await rig.dispose();
  }
}

const rate = (n, ms) => Math.round((n / ms) * 1000).toLocaleString('en-US');
const s = (ms) => (ms / 1000).toFixed(2);
const cores = (n) => (n === undefined ? '?' : n.toFixed(2));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const results = [];
for (const rows of sizes) {
  const file = await writeCsv(rows);
  for (const [layout, earlyOpen] of layouts.flatMap((l) => [
    [l, false],
    [l, true],
  ])) {
    const r = await run(file, rows, earlyOpen, layout);
    results.push(r);
    console.log(
      `${rows} rows, ${layout}, ${r.variant}: first record ${s(r.firstRecordMs)} s, prepare ${s(r.prepareMs)} s ` +
        `(${rate(rows, r.prepareMs)}/s), processing ${s(r.processingMs)} s, file -> job:completed ` +
        `${s(r.fileToCompletedMs)} s (${rate(rows, r.fileToCompletedMs)}/s); cores busy ` +
        `${cores(r.coresDuringPrepare)} during prepare, ${cores(r.coresAfterPrepare)} after; ` +
        `peak RSS prepare ${Math.round(r.prepareRssMb)} MB, worker ${Math.round(r.workerRssMb)} MB`,
    );
  }
  rmSync(file, { force: true });
}

const lines = [
  '# Early open (issue 14)',
  '',
  `Machine: ${machine}; PostgreSQL on the same machine. ${workerCount} worker processes, already`,
  `running when the prepare starts (they get the job id on stdin), no-op processor, batches of ${batchSize}.`,
  `Command: \`npm run build && node bench/early-open.mjs --rows ${values.rows} --batch-size ${batchSize} --workers ${workerCount} --layouts ${values.layouts}\`.`,
  'Layout "rows": one row per record (the default); "payloads": the store option `batchPayloads: true`.',
  'Peak RSS (`maxRSS`): of the process that prepares (a child process of its own) and the largest of the workers.',
  '',
  '| rows | layout | variant | first record | prepare | processing | file → job:completed | cores busy: during prepare / after | peak RSS: prepare / worker |',
  '|---|---|---|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.rows.toLocaleString('en-US')} | ${r.layout} | ${r.variant} | ${s(r.firstRecordMs)} s | ${s(r.prepareMs)} s (${rate(r.rows, r.prepareMs)}/s) | ` +
      `${s(r.processingMs)} s | ${s(r.fileToCompletedMs)} s (${rate(r.rows, r.fileToCompletedMs)}/s) | ` +
      `${cores(r.coresDuringPrepare)} / ${cores(r.coresAfterPrepare)} of ${cpus().length} | ` +
      `${Math.round(r.prepareRssMb)} / ${Math.round(r.workerRssMb)} MB |`,
  ),
  '',
  '"processing" runs from the moment workers got the job id to `job:completed`: alone in the',
  'published variant, overlapping the prepare with early open. The published variant gives',
  '"prepare alone" and "processing alone" for the same file in the same run.',
  '',
];
for (const [rows, layout] of sizes.flatMap((n) => layouts.map((l) => [n, l]))) {
  const of = (r) => r.rows === rows && r.layout === layout;
  const published = results.find((r) => of(r) && !r.variant.startsWith('early'));
  const early = results.find((r) => of(r) && r.variant.startsWith('early'));
  const longer = Math.max(published.prepareMs, published.processingMs);
  // The CPU work of both phases (core-seconds, from the published run) spread over every core:
  // no overlap can end sooner on this machine.
  const cpuBoundMs =
    (published.prepareMs * (published.coresDuringPrepare ?? cpus().length) +
      published.processingMs * (published.coresAfterPrepare ?? cpus().length)) /
    cpus().length;
  lines.push(
    `- ${rows.toLocaleString('en-US')} rows, ${layout}: early open ends ${s(early.fileToCompletedMs)} s after the file ` +
      `opens = ${(early.fileToCompletedMs / longer).toFixed(2)} × the longer phase alone (${s(longer)} s); ` +
      `the CPU work of both phases needs ${s(cpuBoundMs)} s on ${cpus().length} cores ` +
      `(${(cpuBoundMs / longer).toFixed(2)} ×); first record ${s(early.firstRecordMs)} s ` +
      `(published: ${s(published.firstRecordMs)} s).`,
  );
}
writeFileSync(values.out, `${lines.join('\n')}\n`);
