import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BufferSource, JobStatus, type JobSummary } from '@batchactions/core';
import { CsvParser, JsonParser } from '@batchactions/import';
import { DistributedImport, runWorker } from '../../src/index';
import { GatedCsvSource } from '../support/gated-source';
import { sequelizeFactories } from '../support/sequelize-stores';
import { fullPortStores, useTestStore } from '../support/stores';
import { usersSchema } from '../support/workers';

const stores = [...fullPortStores, ...sequelizeFactories];

/** Polls `check` until it holds: a hang guard of two minutes, not a timing assertion. */
async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Completed {
  readonly summary: JobSummary;
  readonly reason?: string;
}

/**
 * `failureThreshold.percentage` on a job opened early is judged against the job's final total:
 * until the prepare ends only `count` applies (issue 20, item 6).
 */
describe.each(stores)('failure threshold of a job opened early on $name', (factory) => {
  const t = useTestStore(factory);
  const importer = (threshold: { count?: number; percentage: number }) => {
    const di = new DistributedImport({
      schema: usersSchema,
      batchSize: 25,
      stateStore: t.store,
      failureThreshold: threshold,
    });
    const completed: Completed[] = [];
    di.on('job:completed', (event) => {
      completed.push({
        summary: event.summary,
        ...(event.reason === undefined ? {} : { reason: event.reason }),
      });
    });
    return { di, completed };
  };

  it('a 1,000-row file with 5% invalid rows and percentage 10 completes', async () => {
    const { di, completed } = importer({ percentage: 10 });
    let jobId = '';
    const during: { processedCount: number; failedCount: number }[] = [];
    // The 50 invalid rows come first: against a running total they are far above 10%.
    const source = new GatedCsvSource(
      1000,
      25,
      async (chunk) => {
        if (chunk !== 6) return;
        jobId = (await t.store.listJobs!())[0]!.jobId;
        await waitFor(
          async () => (await di.getStatus(jobId)).batches.totalBatches >= 2,
          'two stored batches',
        );
        for (let i = 0; i < 2; i += 1) {
          const result = await di.processWorkerBatch(jobId, () => undefined, 'w-early');
          expect(result).toMatchObject({ claimed: true, jobComplete: false });
          during.push({ processedCount: result.processedCount, failedCount: result.failedCount });
        }
        // 50 of 50 records failed so far: the job is still open, the prepare goes on.
        expect((await di.getStatus(jobId)).status).toBe(JobStatus.PROCESSING);
      },
      (row) => row < 50,
    );
    const prepared = await di.prepare(source, new CsvParser(), { openEarly: true });
    expect(prepared.totalRecords).toBe(1000);
    expect(during).toEqual([
      { processedCount: 0, failedCount: 25 },
      { processedCount: 0, failedCount: 25 },
    ]);
    const result = await runWorker(di, jobId, () => undefined, { waitForOthers: false });
    expect(result).toMatchObject({ processed: 950, jobComplete: true });
    expect((await di.getStatus(jobId)).status).toBe(JobStatus.COMPLETED);
    expect(completed).toEqual([
      {
        summary: {
          total: 1000,
          processed: 950,
          failed: 50,
          skipped: 0,
          elapsedMs: expect.any(Number),
        },
      },
    ]);
  });

  it('judges the percentage against the final total when the prepare ends after every batch', async () => {
    const { di, completed } = importer({ percentage: 10 });
    // 20 invalid rows of 100 (20%), all first; every batch is processed before the prepare ends.
    // NDJSON: each record is complete at its line end.
    const lines = Array.from({ length: 100 }, (_, i) =>
      JSON.stringify({
        id: i,
        email: i < 20 ? 'not-an-email' : `user${i}@example.com`,
        name: `User ${i}`,
      }),
    );
    let processed = 0;
    const source = new BufferSource('');
    source.read = async function* read() {
      yield lines.join('\n') + '\n';
      const jobId = (await t.store.listJobs!())[0]!.jobId;
      await waitFor(
        async () => (await di.getStatus(jobId)).batches.totalBatches >= 4,
        'every batch stored',
      );
      const result = await runWorker(di, jobId, () => void (processed += 1), {
        waitForOthers: false,
        remainingTimeMs: () => (processed >= 80 ? 0 : 60_000),
        deadlineMarginMs: 1,
      });
      expect(result).toMatchObject({ jobComplete: false, stoppedBy: 'deadline' });
    };
    const prepared = await di.prepare(source, new JsonParser({ format: 'ndjson' }), {
      openEarly: true,
    });
    expect(processed).toBe(80);
    expect((await di.getStatus(prepared.jobId)).status).toBe(JobStatus.FAILED);
    expect(completed).toHaveLength(1);
    expect(completed[0]?.summary).toMatchObject({ total: 100, processed: 80, failed: 20 });
    expect(completed[0]?.reason).toContain('20 of 100 records failed (20.00%)');
  });
});
