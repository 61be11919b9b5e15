// Peak memory of the CLI's `work` process (issue 28), with the young generation capped (its
// default: limitYoungGeneration) and with V8's own sizing (--no-limit-young-generation), in
// turn, `--rounds` times, each on a freshly prepared job. The worker is forked with IPC and
// reports its peak RSS and result when done (as it does to `demo`); CPU is the child's
// user + system time. Usage: npm run build && node bench/cli-memory.mjs [--rows 300000]
//   [--store sqlite|postgres] [--rounds 2]   (DATABASE_URL: the PostgreSQL server)
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { schema, writeUsersCsv } from './shared.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    store: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '2' },
  },
});
const rows = Number(values.rows);
if (values.store !== 'sqlite' && values.store !== 'postgres') {
  throw new Error(`--store: expected sqlite or postgres, got "${values.store}"`);
}
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(join(tmpdir(), 'ba-bench-cli-memory-'));
const pgSchema = `bench_cli_memory_${process.pid}`;
const dropSchema = async () => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await client.end();
};
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'users.csv');
await writeUsersCsv(file, rows);
writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
writeFileSync(join(dir, 'noop.mjs'), 'export default () => {};\n');

/** A fresh store location and a job prepared in it by the CLI. */
async function preparedJob(round, variant) {
  let store;
  if (values.store === 'sqlite') {
    store = `sqlite:///${join(dir, `store-${round}-${variant}.db`)}`;
  } else {
    await dropSchema();
    store = `${databaseUrl}?schema=${pgSchema}`;
  }
  const out = execFileSync(
    process.execPath,
    [
      cli,
      'prepare',
      file,
      '--schema',
      join(dir, 'schema.json'),
      '--store',
      store,
      '--batch-size',
      '500',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const jobId = /[0-9a-f]{8}-[0-9a-f-]{27}/.exec(out)?.[0];
  if (jobId === undefined) throw new Error(`no job id in the prepare's output: ${out}`);
  return { store, jobId };
}

/** Runs `work` on the job; resolves its report and CPU time. */
function work({ store, jobId }, variant) {
  const args = ['work', jobId, '--processor', join(dir, 'noop.mjs')];
  args.push('--schema', join(dir, 'schema.json'), '--store', store, '--quiet');
  if (variant === 'default') args.push('--no-limit-young-generation');
  return new Promise((resolve, reject) => {
    const child = fork(cli, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let report;
    child.on('message', (message) => {
      if (message?.type === 'batchactions:worker-report') report = message;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 || report === undefined) {
        reject(new Error(`work exited ${code}${report === undefined ? ' without a report' : ''}`));
      } else {
        resolve(report);
      }
    });
  });
}

/**
 * User + system CPU seconds of this process's waited-for children so far: fields 16 and 17 of
 * /proc/self/stat (cutime, cstime, in clock ticks of 1/100 s), counted from the state field.
 */
const childCpu = () => {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
};

console.log(
  `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ` +
    `load average ${loadavg()[0].toFixed(1)} at the start`,
);
console.log(`${rows.toLocaleString('en-US')} rows, ${values.store}, batch 500, no-op processor`);
console.log('| round | young generation | peak RSS | records/s | worker CPU s |');
console.log('|---|---|---|---|---|');
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const variant of ['limited', 'default']) {
      const job = await preparedJob(round, variant);
      const cpuBefore = childCpu();
      const started = performance.now();
      const report = await work(job, variant);
      const seconds = (performance.now() - started) / 1000;
      if (report.result.processed !== rows) {
        throw new Error(`processed ${report.result.processed} of ${rows}`);
      }
      const peak = (report.peakRssBytes / 2 ** 20).toFixed(1);
      const rate = Math.round(rows / seconds).toLocaleString('en-US');
      const cpu = (childCpu() - cpuBefore).toFixed(2);
      console.log(`| ${round} | ${variant} | ${peak} MB | ${rate} | ${cpu} |`);
    }
  }
} finally {
  if (values.store === 'postgres') await dropSchema();
}
console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
