import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchEngine,
  BufferSource,
  FilePathSource,
  InvalidOptionError,
  JobStatus,
} from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { collectEvents, RecordingStore, rows, trace } from './helpers';

const noop = (): void => undefined;

describe('BatchEngine run protocol (core 6.4)', () => {
  it('emits the published sequence for two sequential batches', async () => {
    const engine = new BatchEngine({ batchSize: 2 }).fromRecords(rows(3));
    const events = collectEvents(engine);
    await engine.start(noop);
    expect(trace(events)).toEqual([
      'job:started',
      'batch:started',
      'record:processed#0',
      'record:processed#1',
      'batch:completed',
      'job:progress',
      'batch:started',
      'record:processed#2',
      'batch:completed',
      'job:progress',
      'job:completed',
    ]);
    expect(events[0]).toMatchObject({ totalRecords: 0, totalBatches: 0, jobId: engine.getJobId() });
    expect(events.at(-1)).toMatchObject({
      summary: { total: 3, processed: 3, failed: 0, skipped: 0 },
    });
    expect(events[4]).toMatchObject({
      batchIndex: 0,
      processedCount: 2,
      failedCount: 0,
      totalCount: 2,
    });
  });

  it('is PROCESSING right after start() and still delivers job:started to a later handler', async () => {
    const engine = new BatchEngine().fromRecords(rows(1));
    const running = engine.start(noop);
    expect(engine.getStatus().status).toBe('PROCESSING');
    const seen: string[] = [];
    engine.on('job:started', (e) => seen.push(e.type));
    await running;
    expect(seen).toEqual(['job:started']);
    expect(engine.getStatus()).toMatchObject({ status: 'COMPLETED', state: 'COMPLETED' });
  });

  it('makes the published store calls in order', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({ batchSize: 2, stateStore: store }).fromRecords(rows(3));
    await engine.start(noop);
    expect(store.calls).toEqual([
      'updateBatchState:PROCESSING:0/0',
      'saveProcessedRecord:0:processed',
      'saveProcessedRecord:1:processed',
      'updateBatchState:COMPLETED:2/0',
      'saveJobState:PROCESSING',
      'updateBatchState:PROCESSING:0/0',
      'saveProcessedRecord:2:processed',
      'updateBatchState:COMPLETED:1/0',
      'saveJobState:PROCESSING',
      'saveJobState:COMPLETED',
    ]);
    const last = store.jobSaves.at(-1);
    expect(last).toMatchObject({
      id: engine.getJobId(),
      config: {
        batchSize: 2,
        maxConcurrentBatches: 1,
        continueOnError: false,
        maxRetries: 0,
        retryDelayMs: 1000,
        skipEmptyRows: false,
      },
      status: 'COMPLETED',
      totalRecords: 3,
    });
    expect(last?.batches.map((b) => [b.index, b.status, b.records.length])).toEqual([
      [0, 'COMPLETED', 0],
      [1, 'COMPLETED', 0],
    ]);
  });

  it('saves processed records with parsed data and retryCount 0', async () => {
    const store = new RecordingStore();
    await new BatchEngine({ stateStore: store }).fromRecords([{ a: 1 }]).start(noop);
    const [record] = await store.getProcessedRecords(store.jobSaves[0]?.id ?? '');
    expect(record).toEqual({
      index: 0,
      raw: { a: 1 },
      parsed: { a: 1 },
      status: 'processed',
      errors: [],
      retryCount: 0,
    });
  });

  it('completes an empty input with an all-zero summary and one save', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({ stateStore: store }).fromRecords([]);
    const events = collectEvents(engine);
    await engine.start(noop);
    expect(trace(events)).toEqual(['job:started', 'job:completed']);
    expect(events[1]).toMatchObject({ summary: { total: 0, processed: 0, failed: 0, skipped: 0 } });
    expect(store.calls).toEqual(['saveJobState:COMPLETED']);
  });

  it('rejects start() without input and from a finished job with the published messages', async () => {
    await expect(new BatchEngine().start(noop)).rejects.toThrow(
      'Source and parser must be configured. Call .from(source, parser) or .fromRecords(records) first.',
    );
    const engine = new BatchEngine().fromRecords(rows(1));
    await engine.start(noop);
    await expect(engine.start(noop)).rejects.toThrow("Cannot start job from status 'COMPLETED'");
    await expect(engine.processChunk(noop)).rejects.toThrow(
      "Cannot start job from status 'COMPLETED'",
    );
  });

  it('hands processors the context with a growing totalRecords and the abort signal', async () => {
    const seen: unknown[] = [];
    const engine = new BatchEngine({ batchSize: 2 }).fromRecords(rows(3));
    await engine.start((record, ctx) => {
      seen.push([record.id, ctx.batchIndex, ctx.recordIndex, ctx.totalRecords, ctx.signal.aborted]);
    });
    expect(seen).toEqual([
      [0, 0, 0, 2, false],
      [1, 0, 1, 2, false],
      [2, 1, 2, 3, false],
    ]);
  });

  it('reads from a source through parse() and prefers parseStream()', async () => {
    const got: unknown[] = [];
    const engine = new BatchEngine().from(new BufferSource('1\n2\n3'), {
      *parse(chunk: string | Buffer) {
        for (const line of chunk.toString().split('\n')) yield { n: Number(line) };
      },
    });
    await engine.start((r) => {
      got.push(r.n);
    });
    expect(got).toEqual([1, 2, 3]);

    const streamed: unknown[] = [];
    const parser = {
      parse(): Iterable<Record<string, unknown>> {
        throw new Error('parse must not be called when parseStream exists');
      },
      async *parseStream(chunks: AsyncIterable<string | Buffer>) {
        let text = '';
        for await (const c of chunks) text += c.toString();
        for (const line of text.split('\n')) yield { n: Number(line) };
      },
    };
    await new BatchEngine().from(new BufferSource('4\n5'), parser).start((r) => {
      streamed.push(r.n);
    });
    expect(streamed).toEqual([4, 5]);
  });

  it('fails the run (resolving) with job:failed when a record fails and continueOnError is false', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({ batchSize: 2, stateStore: store }).fromRecords(rows(4));
    const events = collectEvents(engine);
    await engine.start((r) => {
      if (r.id === 1) throw new Error('boom');
    });
    expect(engine.getStatus().status).toBe(JobStatus.FAILED);
    expect(trace(events)).toEqual([
      'job:started',
      'batch:started',
      'record:processed#0',
      'record:failed#1',
      'batch:failed',
      'job:failed',
    ]);
    expect(events.at(-1)).toMatchObject({ error: 'boom' });
    // Defect 10: the failed batch is recorded FAILED, without its records.
    expect(engine.getStatus().batches.map((b) => [b.status, b.records.length])).toEqual([
      ['FAILED', 0],
    ]);
    expect(store.calls.at(-2)).toBe('updateBatchState:FAILED:1/1');
    expect(store.calls.at(-1)).toBe('saveJobState:FAILED');
  });

  it('keeps going with continueOnError and counts failures in the summary', async () => {
    const engine = new BatchEngine({ continueOnError: true }).fromRecords(rows(3));
    const events = collectEvents(engine);
    await engine.start((r) => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-Error, as users do
      if (r.id === 1) throw 'plain string';
    });
    expect(events.find((e) => e.type === 'record:failed')).toMatchObject({
      error: 'plain string',
      record: { index: 1, status: 'failed', processingError: 'plain string', retryCount: 0 },
    });
    expect(events.at(-1)).toMatchObject({
      type: 'job:completed',
      summary: { total: 3, processed: 2, failed: 1, skipped: 0 },
    });
    expect((await engine.getFailedRecords()).map((r) => r.index)).toEqual([1]);
  });

  it('skips empty rows silently but counts them in total and skipped', async () => {
    const engine = new BatchEngine({ skipEmptyRows: true, batchSize: 10 }).fromRecords([
      { a: 1 },
      { a: '', b: null },
      { a: ' ' },
    ]);
    const events = collectEvents(engine);
    const seen: unknown[] = [];
    await engine.start((r) => {
      seen.push(r.a);
    });
    expect(seen).toEqual([1, ' ']);
    expect(events.find((e) => e.type === 'batch:started')).toMatchObject({ recordCount: 3 });
    expect(events.at(-1)).toMatchObject({
      summary: { total: 3, processed: 2, failed: 0, skipped: 1 },
    });
  });

  it('hands a parse()-only parser the whole content, not each chunk (defect 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'engine-parse-'));
    try {
      const path = join(dir, 'rows.txt');
      const lines = Array.from({ length: 500 }, (_, i) => `row-${i}-José`);
      await writeFile(path, lines.join('\n'));
      const inputs: number[] = [];
      const seen: unknown[] = [];
      const engine = new BatchEngine({ batchSize: 50 }).from(
        new FilePathSource(path, { highWaterMark: 64 }),
        {
          *parse(data: string | Buffer) {
            inputs.push(data.length);
            for (const line of data.toString().split('\n')) yield { line };
          },
        },
      );
      await engine.start((r) => {
        seen.push(r.line);
      });
      expect(inputs).toHaveLength(1);
      expect(seen).toEqual(lines);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: Number.NaN }, 'batchSize'],
    [{ maxRetries: -1 }, 'maxRetries'],
    [{ maxRetries: 1.5 }, 'maxRetries'],
    [{ retryDelayMs: -5 }, 'retryDelayMs'],
    [{ continueOnError: 'yes' as unknown as boolean }, 'continueOnError'],
    [{ hooks: { beforeProcess: 3 } as never }, 'hooks.beforeProcess'],
    [{ stateStore: {} as never }, 'stateStore'],
  ])('rejects %j at construction naming %s (defect 23)', (config, option) => {
    expect(() => new BatchEngine(config)).toThrow(InvalidOptionError);
    expect(() => new BatchEngine(config)).toThrow(`"${option}"`);
  });

  it('applies defaults for null options, as published (??)', () => {
    const engine = new BatchEngine({ batchSize: null as unknown as number });
    expect(engine.getStatus().status).toBe('CREATED');
  });
});
