import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prepareJson,
  requireBuiltCli,
  runCli,
  runCliOk,
  startCli,
  statusJson,
  workArgs,
} from './built-cli';

let dir: string;
let csv: string;
let schema: string;
let store: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-lifecycle-'));
  csv = join(dir, 'users.csv');
  schema = join(dir, 'schema.json');
  store = `sqlite:${join(dir, 'state.sqlite')}`;
  const lines = ['id,email'];
  for (let id = 0; id < 30; id += 1) lines.push(`${id},u${id}@x.io`);
  await writeFile(csv, `${lines.join('\n')}\n`);
  await writeFile(
    schema,
    JSON.stringify({ fields: [{ name: 'id', type: 'number', required: true }] }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A processor module whose call for `id` never settles, ignores its signal and holds a timer. */
async function hangingProcessor(id: number): Promise<string> {
  const file = join(dir, `hang-${id}.mjs`);
  await writeFile(
    file,
    `export default async function processor(record) {
  if (Number(record.id) === ${id}) await new Promise(() => setInterval(() => undefined, 60_000));
}\n`,
  );
  return file;
}

/** A processor module that waits `SLOW_MS` (from its process environment) per record. */
async function slowableProcessor(): Promise<string> {
  const file = join(dir, 'slowable.mjs');
  await writeFile(
    file,
    `export default async function processor() {
  const ms = Number(process.env.SLOW_MS ?? '0');
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}\n`,
  );
  return file;
}

describe('work and status through faults', () => {
  it('three work processes with default options finish the batch of one SIGKILLed near the end', async () => {
    const big = join(dir, 'big.csv');
    const lines = ['id,email'];
    for (let id = 0; id < 2000; id += 1) lines.push(`${id},u${id}@x.io`);
    await writeFile(big, `${lines.join('\n')}\n`);
    const { jobId } = await prepareJson({ file: big, schema, store, batchSize: 100 });
    const processor = await slowableProcessor();
    // The victim needs 20 s per batch: it still holds its first when the others are done.
    const victim = startCli(workArgs({ jobId, store, schema, processor, workerId: 'victim' }), {
      env: { SLOW_MS: '200' },
    });
    let held: { workerId: string }[] = [];
    for (let i = 0; i < 200 && !held.some((b) => b.workerId === 'victim'); i += 1) {
      held = (await statusJson(jobId, store)).inFlight ?? [];
    }
    expect(held.map((b) => b.workerId)).toContain('victim');
    const survivors = [1, 2, 3].map((i) =>
      startCli(workArgs({ jobId, store, schema, processor, workerId: `s${i}`, quiet: true })),
    );
    for (let i = 0; i < 400; i += 1) {
      if ((await statusJson(jobId, store)).batches.pendingBatches === 0) break;
    }
    expect((await statusJson(jobId, store)).batches.pendingBatches).toBe(0);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.done;

    const runs = await Promise.all(survivors.map((s) => s.done));
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const stopped = runs.map((r) => /stopped: ([a-z-]+(?: \(job [A-Z]+\))?)/.exec(r.stdout)?.[1]);
    expect(stopped.sort()).toEqual([
      'job-complete',
      'job-terminal (job COMPLETED)',
      'job-terminal (job COMPLETED)',
    ]);
    const status = await statusJson(jobId, store);
    expect([status.status, status.progress.processedRecords, status.inFlight]).toEqual([
      'COMPLETED',
      2000,
      [],
    ]);
  }, 120_000);

  it('--record-timeout-ms fails a hanging record, finishes the job and exits', async () => {
    const { jobId } = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    const processor = await hangingProcessor(4);
    const run = await runCli(
      workArgs({
        jobId,
        store,
        schema,
        processor,
        quiet: true,
        extra: ['--record-timeout-ms', '200'],
      }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/29 processed, 1 failed .*stopped: job-complete/);
    const failed = await runCliOk(['failed', jobId, '--store', store]);
    expect(failed).toContain('Processing record 4 timed out after 200 ms');
  });

  it('status lists the batch a stuck worker holds; cancel releases it and the worker exits', async () => {
    const { jobId } = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    const processor = await hangingProcessor(15);
    const worker = startCli(
      workArgs({ jobId, store, schema, processor, workerId: 'stuck-worker' }),
    );
    await worker.waitForStdout(/batch 0 processed/);
    let report = '';
    for (let i = 0; i < 100 && !report.includes('in flight (1)'); i += 1) {
      report = await runCliOk(['status', jobId, '--store', store]);
    }
    expect(report).toMatch(
      /in flight \(1\):\n {4}batch 1 {2}worker stuck-worker {2}attempt 1 {2}heartbeat \d+(\.\d)? m?s ago/,
    );
    expect((await statusJson(jobId, store)).inFlight).toEqual([
      expect.objectContaining({ batchIndex: 1, workerId: 'stuck-worker', attempt: 1 }),
    ]);

    await runCliOk(['cancel', jobId, '--store', store]);
    const ended = await worker.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/stopped: job-terminal \(job ABORTED\)/);
    const after = await statusJson(jobId, store);
    expect([after.status, after.batches.processingBatches, after.inFlight]).toEqual([
      'ABORTED',
      0,
      [],
    ]);
  });
});
