import { describe, expect, it } from 'vitest';
import { BufferSource, JobNotFoundError } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema, workerLoop } from '../support/workers';

describe.each(storeFactories)('status, failed-record export and redrive on $name', (factory) => {
  const t = useTestStore(factory);

  async function jobWithFailures() {
    const di = new DistributedImport({
      coerceValues: true,
      schema: usersSchema,
      batchSize: 3,
      stateStore: t.store,
    });
    const { jobId } = await di.prepare(
      new BufferSource(usersCsv(8, (i) => i === 2 || i === 6)),
      new CsvParser(),
    );
    const statusBefore = await di.getStatus(jobId);
    await workerLoop(
      di,
      jobId,
      (r) => {
        if (r.id === 4) throw new Error('downstream said "no", twice');
      },
      'w',
    );
    return { di, jobId, statusBefore };
  }

  it('reports status and progress from the store', async () => {
    const { di, jobId, statusBefore } = await jobWithFailures();
    expect(statusBefore).toMatchObject({
      jobId,
      status: 'PROCESSING',
      progress: { totalRecords: 8, processedRecords: 0 },
      batches: { totalBatches: 3, pendingBatches: 3 },
    });
    expect(await di.getStatus(jobId)).toMatchObject({
      status: 'COMPLETED',
      progress: { totalRecords: 8, processedRecords: 5, failedRecords: 3, pendingRecords: 0 },
      batches: { completedBatches: 3, isComplete: true },
    });
    await expect(di.getStatus('nope')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('exports invalid and failed rows with their errors as CSV and NDJSON', async () => {
    const { di, jobId } = await jobWithFailures();
    const csv = await di.exportFailedRecords(jobId);
    expect(csv.split('\n')).toEqual([
      'row,status,id,email,name,errors',
      "3,invalid,2,not-an-email,User 2,email: Field 'email' must be a valid email",
      '5,failed,4,user4@example.com,User 4,"downstream said ""no"", twice"',
      "7,invalid,6,not-an-email,User 6,email: Field 'email' must be a valid email",
      '',
    ]);
    const lines = (await di.exportFailedRecords(jobId, 'ndjson')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({
        row: 3,
        status: 'invalid',
        raw: { id: '2', email: 'not-an-email', name: 'User 2' },
      }),
      expect.objectContaining({ row: 5, status: 'failed', errors: 'downstream said "no", twice' }),
      expect.objectContaining({ row: 7, status: 'invalid' }),
    ]);
  });

  it('redrives just the failed rows as a new job', async () => {
    const { di, jobId } = await jobWithFailures();
    const redrive = await di.redrive(jobId);
    expect(redrive).toMatchObject({ totalRecords: 3, totalBatches: 1 });
    expect(redrive.jobId).not.toBe(jobId);
    const relaxed = new DistributedImport({
      coerceValues: true,
      schema: {
        fields: usersSchema.fields.map((f) =>
          f.name === 'email' ? { ...f, type: 'string' as const } : f,
        ),
      },
      stateStore: t.store,
    });
    const seen: unknown[] = [];
    const results = await workerLoop(relaxed, redrive.jobId, (r) => void seen.push(r.id), 'w');
    expect(seen).toEqual([2, 4, 6]);
    expect(results.some((r) => r.jobComplete)).toBe(true);
  });
});
