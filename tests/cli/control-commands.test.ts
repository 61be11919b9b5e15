import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  prepareJson,
  fileCliWorkspace,
  runCli,
  runCliOk,
  startCli,
  statusJson,
  workArgs,
  type PreparedJson,
  type StatusJson,
} from './built-cli';

const { dir, csv, schema, processor, store } = await fileCliWorkspace(
  'cli-control-',
  Array.from({ length: 40 }, (_, i) =>
    (i + 1) % 10 === 3 ? '"bad, ""quoted"""' : `u${String(i + 1)}@x.io`,
  ),
);

/** Runs a worker until the job ends (or, with `extra` options, until they stop it). */
async function work(jobId: string, extra: readonly string[] = []): Promise<string> {
  return runCliOk(workArgs({ jobId, store, schema, processor, quiet: true, extra }));
}

const statusOf = (jobId: string): Promise<StatusJson> => statusJson(jobId, store);
const prepare = (batchSize?: number): Promise<PreparedJson> =>
  prepareJson({ file: csv, schema, store, ...(batchSize === undefined ? {} : { batchSize }) });

describe('pause, resume, cancel, failed and purge', () => {
  it('controls a job, exports its failed rows and deletes it', async () => {
    const { jobId } = await prepare(10);

    expect(await runCliOk(['pause', jobId, '--store', store])).toBe(`job ${jobId}: PAUSED\n`);
    const again = await runCli(['pause', jobId, '--store', store]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`cannot pause job ${jobId}: it is PAUSED`);
    // Told not to wait through pauses, a worker on a paused job claims nothing and stops.
    await work(jobId, ['--stop-when-paused']);
    expect(await statusOf(jobId)).toMatchObject({
      status: 'PAUSED',
      progress: { processedRecords: 0 },
    });

    // By default it waits for resume, then does the work. (Resumed once the worker has said on
    // stderr that it found the job paused and waits: an event, not a sleep.)
    const waiting = startCli(workArgs({ jobId, store, schema, processor, quiet: true }));
    await waiting.waitForStderr(/is PAUSED: waiting for/);
    expect(await statusOf(jobId)).toMatchObject({ status: 'PAUSED' });
    await runCliOk(['resume', jobId, '--store', store]);
    const resumed = await waiting.done;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`job ${jobId} is PAUSED: waiting for \`resume ${jobId}\``);
    expect(resumed.stdout).toMatch(/stopped: job-complete/);
    expect(await statusOf(jobId)).toMatchObject({
      status: 'COMPLETED',
      progress: { processedRecords: 36, failedRecords: 4 },
    });

    const csvOut = await runCliOk(['failed', jobId, '--store', store]);
    const csvLines = csvOut.trim().split('\n');
    expect(csvLines[0]).toBe('row,status,id,email,errors');
    expect(csvLines.slice(1)).toEqual(
      [3, 13, 23, 33].map(
        (row) =>
          `${row},invalid,${row},"bad, ""quoted""",email: Field 'email' must be a valid email`,
      ),
    );
    const file = join(dir, 'failed.ndjson');
    await runCliOk(['failed', jobId, '--store', store, '--format', 'ndjson', '--output', file]);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    const reports = lines.map(
      (l) => JSON.parse(l) as { row: number; raw: { email: string }; errors: string },
    );
    expect(reports.map((r) => r.row)).toEqual([3, 13, 23, 33]);
    expect(reports[0]?.raw.email).toBe('bad, "quoted"');
    expect(reports[0]?.errors).toBe("email: Field 'email' must be a valid email");
    const badFormat = await runCli(['failed', jobId, '--store', store, '--format', 'xml']);
    expect([badFormat.code, badFormat.stderr]).toEqual([
      2,
      expect.stringContaining('--format must be csv or ndjson'),
    ]);

    const cancel = await runCli(['cancel', jobId, '--store', store]);
    expect(cancel.code).toBe(2);
    expect(cancel.stderr).toContain('it is COMPLETED');

    expect(await runCliOk(['purge', jobId, '--store', store])).toBe(`job ${jobId}: deleted\n`);
    const gone = await runCli(['status', jobId, '--store', store]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`Job "${jobId}" was not found`);
  });

  it('cancels a job so that workers get nothing more', async () => {
    const { jobId } = await prepare();
    expect(await runCliOk(['cancel', jobId, '--store', store])).toBe(`job ${jobId}: ABORTED\n`);
    await work(jobId);
    expect(await statusOf(jobId)).toMatchObject({
      status: 'ABORTED',
      progress: { processedRecords: 0 },
    });
  });
});
