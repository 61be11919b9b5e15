import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BufferSource, FilePathSource, type ParsedRecord } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { storeFactories, useTestStore } from '../support/stores';
import { usersCsv, usersSchema, workerLoop } from '../support/workers';

describe.each(storeFactories)('processing on $name', (factory) => {
  const t = useTestStore(factory);

  // Typed values (ids as numbers), as these tests were written for: an opt-in since issue 8.
  const importer = (batchSize: number) =>
    new DistributedImport({
      schema: usersSchema,
      batchSize,
      stateStore: t.store,
      coerceValues: true,
    });

  it('processes every record with one worker and finalises the job', async () => {
    const di = importer(10);
    const completed: unknown[] = [];
    di.on('job:completed', (e) => completed.push(e.summary));
    const { jobId, totalRecords, totalBatches } = await di.prepare(
      new BufferSource(usersCsv(35)),
      new CsvParser(),
    );
    expect([totalRecords, totalBatches]).toEqual([35, 4]);
    const seen: ParsedRecord[] = [];
    const results = await workerLoop(di, jobId, (r) => void seen.push(r), 'w1');
    expect(seen.map((r) => r.id)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(seen[3]).toEqual({ id: 3, email: 'user3@example.com', name: 'User 3' });
    expect(results.filter((r) => r.jobComplete)).toHaveLength(1);
    expect(results.at(-1)).toMatchObject({
      claimed: true,
      jobComplete: true,
      batchIndex: 3,
      processedCount: 5,
    });
    expect(completed).toEqual([
      { total: 35, processed: 35, failed: 0, skipped: 0, elapsedMs: expect.any(Number) },
    ]);
    const job = await t.store.getJobState(jobId);
    expect(job?.status).toBe('COMPLETED');
    expect((await t.store.getProcessedRecords(jobId)).length).toBe(35);
    const after = await di.processWorkerBatch(jobId, () => undefined, 'late');
    expect(after).toEqual({
      claimed: false,
      processedCount: 0,
      failedCount: 0,
      jobComplete: false,
      jobId,
    });
  });

  it('processes every record exactly once with 8 concurrent worker loops', async () => {
    const di = importer(7);
    const { jobId } = await di.prepare(new BufferSource(usersCsv(500)), new CsvParser());
    const counts = new Map<number, number>();
    const processor = async (r: ParsedRecord) => {
      await new Promise((resolve) => setImmediate(resolve));
      counts.set(r.id as number, (counts.get(r.id as number) ?? 0) + 1);
    };
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => workerLoop(di, jobId, processor, `w${i}`)),
    );
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    const flat = all.flat();
    expect(flat.filter((r) => r.jobComplete)).toHaveLength(1);
    expect(flat.reduce((n, r) => n + r.processedCount, 0)).toBe(500);
    const batchIds = flat.flatMap((r) => (r.claimed ? [r.batchIndex] : []));
    expect(new Set(batchIds).size).toBe(batchIds.length);
    expect(batchIds.length).toBe(Math.ceil(500 / 7));
  });

  it.each([
    { rows: 1, batchSize: 10, batches: 1 },
    { rows: 30, batchSize: 10, batches: 3 },
    { rows: 31, batchSize: 10, batches: 4 },
    { rows: 12, batchSize: 1, batches: 12 },
    { rows: 5, batchSize: 100, batches: 1 },
    { rows: 0, batchSize: 10, batches: 0 },
  ])('handles $rows rows with batchSize $batchSize', async ({ rows, batchSize, batches }) => {
    const di = importer(batchSize);
    const { jobId, totalRecords, totalBatches } = await di.prepare(
      new BufferSource(usersCsv(rows)),
      new CsvParser(),
    );
    expect([totalRecords, totalBatches]).toEqual([rows, batches]);
    const ids: unknown[] = [];
    const results = await workerLoop(di, jobId, (r) => void ids.push(r.id), 'w');
    expect(ids).toEqual(Array.from({ length: rows }, (_, i) => i));
    const job = await t.store.getJobState(jobId);
    if (rows === 0 && typeof t.store.completeBatch !== 'function') {
      // Published defect 6, kept on a store with only the published port (its tryFinalizeJob
      // refuses a job without batches): an empty job is never finalised.
      expect(results.filter((r) => r.jobComplete)).toHaveLength(0);
      expect(job?.status).toBe('PROCESSING');
      return;
    }
    // An empty job is finalised by its prepare (docs/bad-input.md): no worker finalises it again.
    expect(results.filter((r) => r.jobComplete)).toHaveLength(rows === 0 ? 0 : 1);
    expect(job?.status).toBe('COMPLETED');
    expect(job?.batches.map((b) => [b.index, b.recordStartIndex, b.recordEndIndex])).toEqual(
      Array.from({ length: batches }, (_, i) => [
        i,
        i * batchSize,
        Math.min(rows, (i + 1) * batchSize) - 1,
      ]),
    );
  });

  it('imports a CSV file larger than 1 MB read in 64 KiB chunks', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ba-accept-'));
    try {
      const rows = 20_000;
      const lines = ['id,email,name'];
      for (let i = 0; i < rows; i += 1) {
        lines.push(`${i},user${i}@example.com,"Ünïcødé, ""quoted"" name ${i}\nsecond line"`);
      }
      const file = join(dir, 'users.csv');
      await writeFile(file, lines.join('\r\n') + '\r\n');
      const di = importer(500);
      const { jobId, totalRecords } = await di.prepare(new FilePathSource(file), new CsvParser());
      expect(totalRecords).toBe(rows);
      const names = new Map<number, unknown>();
      await workerLoop(di, jobId, (r) => void names.set(r.id as number, r.name), 'w');
      expect(names.size).toBe(rows);
      expect(names.get(12_345)).toBe('Ünïcødé, "quoted" name 12345\nsecond line');
      expect((await t.store.getProgress(jobId)).processedRecords).toBe(rows);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
