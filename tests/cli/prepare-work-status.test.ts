import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareJson,
  requireBuiltCli,
  runCli,
  startCli,
  statusJson,
  workArgs,
  type PreparedJson,
  type StatusJson,
} from './built-cli';

const ROWS = 1000;
const isBad = (id: number): boolean => id % 50 === 7;

let dir: string;
let csv: string;
let schema: string;
let processor: string;

/** Appends each record's id to a file of its own process, so the test sees who did what. */
const PROCESSOR = `
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
const out = join(process.env.IDS_DIR ?? '.', 'ids-' + process.pid + '.txt');
const delayMs = Number(process.env.DELAY_MS ?? '0');
export default async function processor(record) {
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  appendFileSync(out, record.id + '\\n');
}
`;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-flow-'));
  csv = join(dir, 'users.csv');
  schema = join(dir, 'schema.json');
  processor = join(dir, 'processor.mjs');
  const lines = ['id,email,name'];
  for (let id = 1; id <= ROWS; id += 1) {
    lines.push(`${id},${isBad(id) ? 'not-an-email' : `user${id}@example.com`},User ${id}`);
  }
  await writeFile(csv, `${lines.join('\n')}\n`);
  await writeFile(
    schema,
    JSON.stringify({
      fields: [
        { name: 'id', type: 'number', required: true },
        { name: 'email', type: 'email', required: true },
        { name: 'name', type: 'string', required: true, pattern: '^User \\d+$' },
      ],
    }),
  );
  await writeFile(processor, PROCESSOR);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every id written by the processes whose files are in `idsDir`, with how often. */
async function idCounts(idsDir: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for (const name of await readdir(idsDir)) {
    const text = await readFile(join(idsDir, name), 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      counts.set(Number(line), (counts.get(Number(line)) ?? 0) + 1);
    }
  }
  return counts;
}

function prepare(store: string, batchSize: number): Promise<PreparedJson> {
  return prepareJson({ file: csv, schema, store, batchSize });
}

function status(jobId: string, store: string): Promise<StatusJson> {
  return statusJson(jobId, store);
}

/** `work` for one worker of this file's job, schema and processor. */
function workerArgs(jobId: string, store: string, workerId: string): string[] {
  return workArgs({ jobId, store, schema, processor, workerId });
}

describe('prepare → work (2 processes) → status', () => {
  it('processes every valid record exactly once and reports the job complete', async () => {
    const store = `sqlite:${join(dir, 'flow.sqlite')}`;
    const idsDir = await mkdtemp(join(dir, 'ids-'));
    const prepared = await prepare(store, 40);
    expect(prepared).toMatchObject({ totalRecords: ROWS, totalBatches: 25 });

    const pending = await status(prepared.jobId, store);
    expect(pending.status).toBe('PROCESSING');
    expect(pending.batches.pendingBatches).toBe(25);
    expect(pending).toMatchObject({ phase: 'waiting-for-workers', activeWorkers: 0 });
    const waiting = await runCli(['status', prepared.jobId, '--store', store]);
    expect(waiting.stdout).toContain(
      `  phase    waiting for workers: batches are pending and no worker holds one; start workers with batchactions-distributed work ${prepared.jobId}`,
    );

    const workers = ['w1', 'w2'].map((id) =>
      startCli(workerArgs(prepared.jobId, store, id), { env: { IDS_DIR: idsDir } }),
    );
    const runs = await Promise.all(workers.map((w) => w.done));
    // A worker that starts only after the other finished the job says so, and nothing else.
    const lateNotice = new RegExp(
      `^worker w\\d: job ${prepared.jobId} is COMPLETED: nothing to do \\(a finished job hands out no batches\\)\\n`,
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      // No warnings either (an AbortSignal listener leak once showed up here after 10 batches).
      expect(run.stderr.replace(lateNotice, '')).toBe('');
    }

    // A line per batch, across both workers: every batch once.
    const batchLines = runs.flatMap((run) =>
      [...run.stdout.matchAll(/^w\d: batch (\d+) processed/gm)].map((m) => Number(m[1])),
    );
    expect([...batchLines].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(runs.filter((run) => run.stdout.includes('finalised the job'))).toHaveLength(1);

    const counts = await idCounts(idsDir);
    const valid = Array.from({ length: ROWS }, (_, i) => i + 1).filter((id) => !isBad(id));
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual(valid);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    const done = await status(prepared.jobId, store);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress).toMatchObject({
      totalRecords: ROWS,
      processedRecords: valid.length,
      failedRecords: ROWS - valid.length,
      pendingRecords: 0,
    });
    expect(done.batches).toMatchObject({
      totalBatches: 25,
      completedBatches: 25,
      pendingBatches: 0,
      processingBatches: 0,
      isComplete: true,
    });

    const human = await runCli(['status', prepared.jobId, '--store', store]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`job ${prepared.jobId}: COMPLETED`);
    expect(human.stdout).toMatch(/980 processed, 20 failed, 0 pending/);
    expect(human.stdout).toContain('  phase    finished\n');
    expect(human.stdout).not.toContain('ETA');
  });

  it('prints only the job id without --json', async () => {
    const run = await runCli([
      'prepare',
      csv,
      '--schema',
      schema,
      '--store',
      `sqlite:${join(dir, 'plain.sqlite')}`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    expect(run.stderr).toMatch(/Prepared 1,000 records in 10 batches \(csv\)/);
  });

  it('SIGTERM: the worker finishes the batch in flight, writes it, and exits 0; another worker completes the job', async () => {
    const store = `sqlite:${join(dir, 'sigterm.sqlite')}`;
    const idsDir = await mkdtemp(join(dir, 'ids-'));
    const prepared = await prepare(store, 20);
    const worker = startCli(workerArgs(prepared.jobId, store, 'slow'), {
      env: { IDS_DIR: idsDir, DELAY_MS: '5' },
    });
    await worker.waitForStdout(/slow: batch \d+ processed/);
    worker.child.kill('SIGTERM');
    const stopped = await worker.done;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain('SIGTERM received, finishing the batches in flight');
    expect(stopped.stdout).toMatch(/stopped: stop-signal/);

    const midway = await status(prepared.jobId, store);
    expect(midway.status).toBe('PROCESSING');
    expect(midway.batches.processingBatches).toBe(0);
    expect(midway.batches.completedBatches).toBeGreaterThan(0);
    expect(midway.batches.pendingBatches).toBeGreaterThan(0);
    // Only whole batches were done: the ids written are exactly those of the completed batches.
    const writtenBefore = (await idCounts(idsDir)).size;
    expect(writtenBefore + midway.progress.failedRecords).toBe(
      midway.batches.completedBatches * 20,
    );

    const rest = await runCli(workerArgs(prepared.jobId, store, 'rest'), {
      env: { IDS_DIR: idsDir },
    });
    expect(rest.code, rest.stderr).toBe(0);
    const counts = await idCounts(idsDir);
    expect(counts.size).toBe(980);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await status(prepared.jobId, store)).status).toBe('COMPLETED');
  });

  it('status --watch prints until the job ends', async () => {
    const store = `sqlite:${join(dir, 'watch.sqlite')}`;
    const idsDir = await mkdtemp(join(dir, 'ids-'));
    const prepared = await prepare(store, 50);
    const watch = startCli([
      'status',
      prepared.jobId,
      '--store',
      store,
      '--watch',
      '--interval',
      '100',
      '--json',
    ]);
    await watch.waitForStdout(/PROCESSING/);
    const worker = await runCli(workerArgs(prepared.jobId, store, 'w'), {
      env: { IDS_DIR: idsDir, DELAY_MS: '1' },
    });
    expect(worker.code, worker.stderr).toBe(0);
    const watched = await watch.done;
    expect(watched.code, watched.stderr).toBe(0);
    const reports = watched.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as StatusJson);
    expect(reports[0]?.status).toBe('PROCESSING');
    expect(reports.at(-1)?.status).toBe('COMPLETED');
    expect(reports.at(-1)?.progress.pendingRecords).toBe(0);
  });

  it('refuses a schema that differs from the one the job was prepared with', async () => {
    const store = `sqlite:${join(dir, 'mismatch.sqlite')}`;
    const prepared = await prepare(store, 100);
    const other = join(dir, 'other-schema.json');
    await writeFile(other, JSON.stringify({ fields: [{ name: 'id', type: 'string' }] }));
    const run = await runCli(workArgs({ jobId: prepared.jobId, store, schema: other, processor }));
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /does not match job .*id:number!, email:email!, name:string!.*id:string/,
    );
  });

  it('a processor module without a processor function is a usage error', async () => {
    const bad = join(dir, 'no-processor.mjs');
    await writeFile(bad, 'export const answer = 42;\n');
    const run = await runCli(
      workArgs({
        jobId: 'any-job',
        store: `sqlite:${join(dir, 'x.sqlite')}`,
        schema,
        processor: bad,
      }),
    );
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(
      /--processor .*no-processor.mjs: the module exports no processor function/,
    );
  });
});
