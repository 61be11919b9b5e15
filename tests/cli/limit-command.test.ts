import { describe, expect, it } from 'vitest';
import { fileCliWorkspace, prepareJson, runCli, runCliOk, statusJson, workArgs } from './built-cli';

const { csv, schema, processor, store } = await fileCliWorkspace(
  'cli-limit-',
  Array.from({ length: 30 }, (_, i) => `u${String(i + 1)}@x.io`),
);

describe('limit (issue 27)', () => {
  it('sets, shows and removes the job-wide limits of a job, and workers finish under them', async () => {
    const { jobId } = await prepareJson({ file: csv, schema, store, batchSize: 10 });
    expect(await runCliOk(['limit', jobId, '--store', store, '--rate', '600/min'])).toBe(
      `job ${jobId}: rate 600/min, no cap on batches\n`,
    );
    expect(
      await runCliOk(['limit', jobId, '--store', store, '--rate', '100/s', '--max-batches', '2']),
    ).toBe(`job ${jobId}: rate 100/s, at most 2 batches at once\n`);
    const status = await runCliOk(['status', jobId, '--store', store]);
    expect(status).toContain('  limits   rate 100/s, at most 2 batches at once');
    expect((await statusJson(jobId, store)) as unknown).toMatchObject({
      limits: { rateLimit: { records: 100, perMs: 1000 }, maxConcurrentBatches: 2 },
    });

    const worked = await runCli(workArgs({ jobId, store, schema, processor, quiet: true }));
    expect(worked.code, worked.stderr).toBe(0);
    expect(worked.stdout).toMatch(/stopped: job-complete/);

    expect(await runCliOk(['limit', jobId, '--store', store, '--rate', 'none'])).toBe(
      `job ${jobId}: no rate limit, at most 2 batches at once\n`,
    );
  });

  it('refuses a bad rate, no limit at all, and an unknown job', async () => {
    const { jobId } = await prepareJson({ file: csv, schema, store });
    const bad = await runCli(['limit', jobId, '--store', store, '--rate', 'fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Expected N/unit');
    const nothing = await runCli(['limit', jobId, '--store', store]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('give --rate, --max-batches or both');
    const unknown = await runCli(['limit', 'no-such-job', '--store', store, '--max-batches', '1']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('no-such-job');
  });
});
