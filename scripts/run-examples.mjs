// Runs every example of examples/ and checks what it did (CI: `npm run examples`, after
// `npm run build`). The TypeScript examples are compiled one file at a time (types stripped by
// TypeScript's transpileModule; `npm run typecheck` checks their types) into .tmp/examples/, inside
// this package, so they import the packages by name as a user's code does: the workspaces resolve
// through node_modules, and `@batchactions/distributed` resolves to this package itself.
//
// - the quick start (the README's, as examples/quick-start.ts has it), in an empty directory;
// - the CLI session of docs/cli.md on examples/cli/ (schema.json, processor.mjs, users.csv), on an
//   SQLite store, with two workers; docs/cli.md must show schema.json and processor.mjs verbatim;
// - the Lambda handler, invoked locally with SQS-shaped events (SQLite);
// - the queue worker, stopped with SIGTERM in the middle of a job and again while idle (SQLite);
// - the PostgreSQL multi-process example, on DATABASE_URL or postgres://postgres@127.0.0.1:5432/test,
//   in a schema of its own that is dropped afterwards;
// - the postgres.js store (examples/postgres-js-store/), on the same server, in a schema of its own.
//
// `node scripts/run-examples.mjs cli lambda` runs only the examples named. Exits 1 on a failure.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const ts = require('typescript');
const examples = join(root, 'examples');
const compiled = join(root, '.tmp', 'examples');
const cli = join(root, 'dist', 'cli', 'main.js');

class ExampleError extends Error {}
function check(condition, message) {
  if (!condition) throw new ExampleError(message);
}

/** Compiles every .ts file of examples/ into .tmp/examples/ (same layout, `.js`). */
function compileExamples() {
  rmSync(compiled, { recursive: true, force: true });
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const out = join(compiled, relative(examples, path)).replace(/\.ts$/, '.js');
        mkdirSync(dirname(out), { recursive: true });
        const { outputText } = ts.transpileModule(readFileSync(path, 'utf8'), {
          compilerOptions: {
            module: ts.ModuleKind.ESNext,
            target: ts.ScriptTarget.ES2022,
            verbatimModuleSyntax: true,
          },
          fileName: path,
        });
        writeFileSync(out, outputText);
      }
    }
  };
  walk(examples);
}

/**
 * Starts a process; resolves with its exit code, signal and output. `onLine` sees each line of
 * standard output as it comes (to act on progress, e.g. send a signal).
 */
function run(command, args, { cwd, env = {}, onLine } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine?.(line, child);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function describe(result) {
  return `exit code ${result.code}${result.signal ? `, signal ${result.signal}` : ''}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

async function runOk(label, command, args, options) {
  const result = await run(command, args, options);
  check(result.code === 0, `${label} failed: ${describe(result)}`);
  return result;
}

/** The quick start: makes its own sample file and store where it runs, prints the counts. */
async function quickStartExample(dir) {
  const result = await runOk('quick-start', process.execPath, [join(compiled, 'quick-start.js')], {
    cwd: dir,
  });
  check(
    /: 1000 records in 10 batches\n990 processed, 10 failed\n990 users saved;/.test(result.stdout),
    `quick-start: unexpected output\n${result.stdout}`,
  );
  return '1,000 records: 990 processed, 10 invalid rows listed with their row numbers';
}

/** The CLI session of docs/cli.md, on the files of examples/cli/. */
async function cliExample(dir) {
  const docs = readFileSync(join(root, 'docs', 'cli.md'), 'utf8');
  for (const file of ['schema.json', 'processor.mjs']) {
    const text = readFileSync(join(examples, 'cli', file), 'utf8').trim();
    check(docs.includes(text), `docs/cli.md does not show examples/cli/${file} as it is`);
  }
  const files = join(examples, 'cli');
  const env = { BATCHACTIONS_STORE_URL: 'sqlite:jobs.sqlite', USERS_DB: join(dir, 'users.sqlite') };
  const node = process.execPath;
  const prepared = await runOk(
    'prepare',
    node,
    [cli, 'prepare', join(files, 'users.csv'), '--schema', join(files, 'schema.json')].concat([
      '--batch-size',
      '25',
    ]),
    { cwd: dir, env },
  );
  const jobId = prepared.stdout.trim();
  check(/^[0-9a-f-]{36}$/.test(jobId), `prepare printed "${jobId}", not a job id`);
  const work = [
    cli,
    'work',
    jobId,
    '--schema',
    join(files, 'schema.json'),
    '--processor',
    join(files, 'processor.mjs'),
    '--job-wide-unique-fields',
  ];
  await Promise.all([
    runOk('work (1)', node, work, { cwd: dir, env }),
    runOk('work (2)', node, work, { cwd: dir, env }),
  ]);
  const status = JSON.parse(
    (await runOk('status', node, [cli, 'status', jobId, '--json'], { cwd: dir, env })).stdout,
  );
  check(
    status.status === 'COMPLETED' &&
      status.progress.processedRecords === 115 &&
      status.progress.failedRecords === 5,
    `status: expected COMPLETED with 115 processed and 5 failed, got ${JSON.stringify(status)}`,
  );
  const failed = (await runOk('failed', node, [cli, 'failed', jobId], { cwd: dir, env })).stdout;
  const rows = failed
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]);
  check(
    rows.join(' ') === '17 42 77 98 110',
    `failed: expected rows 17 42 77 98 110, got ${rows.join(' ')}\n${failed}`,
  );
  const Database = require('better-sqlite3');
  const db = new Database(join(dir, 'users.sqlite'), { readonly: true });
  try {
    const { n } = db.prepare('SELECT count(*) AS n FROM users').get();
    check(n === 115, `the processor stored ${n} users, expected 115`);
  } finally {
    db.close();
  }
  return `job ${jobId}: 115 processed, 5 failed (rows 17 42 77 98 110), 115 users upserted`;
}

/** The Lambda handler, invoked locally: the example checks its own outcome. */
async function lambdaExample(dir) {
  const result = await runOk(
    'lambda-invoke-locally',
    process.execPath,
    [join(compiled, 'lambda-invoke-locally.js')],
    { cwd: dir, env: { SQLITE_FILE: join(dir, 'jobs.sqlite'), DATABASE_URL: '' } },
  );
  check(
    /invocation 1 handed back 1 message/.test(result.stdout) &&
      /invocation 2 handed back 0 message/.test(result.stdout) &&
      /stopped by deadline/.test(result.stdout) &&
      /: COMPLETED, 5000 processed, 0 failed/.test(result.stdout),
    `lambda: unexpected output\n${result.stdout}`,
  );
  return 'first invocation stopped before its deadline and handed its message back; the second completed 5,000 records';
}

/** Prepares a job for the queue worker (same schema) and returns its id and store. */
async function prepareQueueJob(dir, rows) {
  const { DistributedImport } = await import('@batchactions/distributed');
  const { SqliteStateStore } = await import('@batchactions/state-sqlite');
  const { BufferSource } = await import('@batchactions/core');
  const { CsvParser } = await import('@batchactions/import');
  const stateStore = new SqliteStateStore({ filename: join(dir, 'jobs.sqlite') });
  await stateStore.initialize();
  const importer = new DistributedImport({
    schema: {
      fields: [
        { name: 'email', type: 'email', required: true },
        { name: 'name', type: 'string', required: true },
      ],
    },
    batchSize: 100,
    stateStore,
  });
  const lines = ['email,name'];
  for (let i = 1; i <= rows; i += 1) lines.push(`user${i}@example.com,User ${i}`);
  const { jobId } = await importer.prepare(new BufferSource(lines.join('\n')), new CsvParser());
  return { jobId, importer, stateStore };
}

/** The queue worker: SIGTERM in the middle of a job, then a second run, SIGTERM while idle. */
async function queueExample(dir) {
  const rows = 3_000;
  const queue = join(dir, 'queue');
  mkdirSync(queue);
  const { jobId, importer, stateStore } = await prepareQueueJob(dir, rows);
  try {
    writeFileSync(join(queue, '0001.json'), JSON.stringify({ jobId }));
    const env = { QUEUE_DIR: queue, SQLITE_FILE: join(dir, 'jobs.sqlite'), DATABASE_URL: '' };
    const worker = join(compiled, 'queue-worker.js');

    // Run 1: SIGTERM as soon as the first batch is written, while the job has 29 more.
    let signalled = false;
    const first = await run(process.execPath, [worker], {
      cwd: dir,
      env,
      onLine: (line, child) => {
        if (!signalled && / batch \d+: /.test(line)) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    });
    check(first.code === 0, `queue worker, run 1: ${describe(first)}`);
    check(
      /stopped by stop-signal/.test(first.stdout) && /stopped cleanly/.test(first.stdout),
      `queue worker, run 1: it did not stop on SIGTERM mid-job: ${describe(first)}`,
    );
    const afterStop = await importer.getStatus(jobId);
    check(
      afterStop.batches.processingBatches === 0 && afterStop.status === 'PROCESSING',
      `queue worker, run 1: after SIGTERM the job should hold no batch in processing: ${JSON.stringify(afterStop)}`,
    );
    check(
      existsSync(join(queue, '0001.json')),
      'queue worker, run 1: the message was not given back to the queue',
    );
    const doneAfterStop = afterStop.progress.processedRecords;

    // Run 2: finishes the job, then waits for more; SIGTERM while it is idle.
    const second = await run(process.execPath, [worker], {
      cwd: dir,
      env,
      onLine: (line, child) => {
        if (/stopped by job-complete/.test(line)) child.kill('SIGTERM');
      },
    });
    check(second.code === 0, `queue worker, run 2: ${describe(second)}`);
    check(
      /stopped cleanly/.test(second.stdout),
      `queue worker, run 2: no clean stop: ${describe(second)}`,
    );
    const final = await importer.getStatus(jobId);
    check(
      final.status === 'COMPLETED' && final.progress.processedRecords === rows,
      `queue worker: expected COMPLETED with ${rows} processed: ${JSON.stringify(final.progress)}`,
    );
    check(readdirSync(queue).length === 0, `queue worker: messages left: ${readdirSync(queue)}`);
    return `SIGTERM mid-job: exit 0 with ${doneAfterStop} of ${rows} records written and the message given back; a second run completed the job; SIGTERM while idle: exit 0`;
  } finally {
    await stateStore.close();
  }
}

/** Drops a PostgreSQL example's schema, and everything in it. */
async function dropSchema(url, schema) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The PostgreSQL multi-process example, in a schema of its own. */
async function postgresExample(dir) {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `examples_${randomBytes(4).toString('hex')}`;
  try {
    const result = await runOk(
      'postgres-multi-process',
      process.execPath,
      [join(compiled, 'postgres-multi-process', 'orchestrator.js')],
      { cwd: dir, env: { DATABASE_URL: url, PG_SCHEMA: schema, WORKERS: '3' } },
    );
    const workers = result.stdout.split('\n').filter((l) => /^worker-\d+: /.test(l));
    check(workers.length === 3, `postgres: expected 3 worker lines:\n${result.stdout}`);
    check(
      /COMPLETED, 19980 processed, 20 failed; 19980 users/.test(result.stdout),
      `postgres: unexpected output\n${result.stdout}`,
    );
    return `3 worker processes: 19,980 processed, 20 failed, 19,980 users inserted once`;
  } finally {
    await dropSchema(url, schema);
  }
}

/** The postgres.js store of examples/postgres-js-store/: two workers, in a schema of its own. */
async function postgresJsExample(dir) {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `examples_${randomBytes(4).toString('hex')}`;
  try {
    const result = await runOk(
      'postgres-js-store',
      process.execPath,
      [join(compiled, 'postgres-js-store', 'import-users.js')],
      { cwd: dir, env: { DATABASE_URL: url, PG_SCHEMA: schema } },
    );
    check(
      /COMPLETED, 1980 processed, 20 failed; 1980 users/.test(result.stdout),
      `postgres-js: unexpected output\n${result.stdout}`,
    );
    return `PostgresJsStateStore, 2 workers: 1,980 processed, 20 failed, 1,980 users inserted once`;
  } finally {
    await dropSchema(url, schema);
  }
}

const all = {
  'quick-start': quickStartExample,
  cli: cliExample,
  lambda: lambdaExample,
  queue: queueExample,
  postgres: postgresExample,
  'postgres-js': postgresJsExample,
};
const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!(name in all)) {
    console.error(`unknown example "${name}": choose among ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
}
check(existsSync(cli), `${relative(root, cli)} is missing: run \`npm run build\` first`);
compileExamples();
let failures = 0;
for (const [name, example] of Object.entries(all)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  const dir = mkdtempSync(join(tmpdir(), `ba-example-${name}-`));
  const started = Date.now();
  try {
    const summary = await example(dir);
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s): ${summary}`);
  } catch (error) {
    failures += 1;
    console.error(`FAIL ${name}: ${error instanceof ExampleError ? error.message : error.stack}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (failures > 0) process.exit(1);
