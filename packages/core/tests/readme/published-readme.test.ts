// The published core README's code examples, run unchanged except the processor bodies (and
// the names the examples leave to the reader: `processRecord`, `healthCheck`, `api`).
// The README's code is kept as written, including what our lint rules would phrase otherwise:
/* eslint-disable @typescript-eslint/require-await, @typescript-eslint/no-unnecessary-condition */
import { BatchEngine, BufferSource, InMemoryStateStore } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { handler, processedIds, scheduled } from './serverless-handler';

describe('published core README examples', () => {
  it('Quick Start', async () => {
    const seen: unknown[] = [];
    const processRecord = async (record: Record<string, unknown>): Promise<void> => {
      await Promise.resolve();
      seen.push(record.id);
    };

    const engine = new BatchEngine({
      stateStore: new InMemoryStateStore(),
      batchSize: 100,
      maxConcurrentBatches: 2,
      continueOnError: true,
    });

    engine.from(new BufferSource(JSON.stringify([{ id: 1 }, { id: 2 }])), {
      async *parse(chunk) {
        const rows = JSON.parse(chunk.toString()) as Array<Record<string, unknown>>;
        for (const row of rows) {
          yield row;
        }
      },
    });

    await engine.start(async (record) => {
      await processRecord(record);
    });

    expect(seen).toEqual([1, 2]);
    expect(engine.getStatus().status).toBe('COMPLETED');
  });

  it('In-Memory Records, then an async generator', async () => {
    const checked: unknown[] = [];
    const healthCheck = async (record: Record<string, unknown>): Promise<void> => {
      await Promise.resolve();
      checked.push(record.id);
    };

    const accounts = [
      { id: 'acc-1', channel: 'email', status: 'active' },
      { id: 'acc-2', channel: 'sms', status: 'active' },
    ];

    let engine = new BatchEngine({
      batchSize: 50,
      maxConcurrentBatches: 4,
      continueOnError: true,
      maxRetries: 2,
    });

    engine.fromRecords(accounts);

    await engine.start(async (record) => {
      await healthCheck(record);
    });
    expect(checked).toEqual(['acc-1', 'acc-2']);

    const pages = [[{ id: 'p1' }, { id: 'p2' }], [{ id: 'p3' }], []];
    const api = {
      getPage: async (page: number) => {
        await Promise.resolve();
        return pages[page - 1] ?? [];
      },
    };

    async function* fetchPages(): AsyncIterable<Record<string, unknown>> {
      let page = 1;
      while (true) {
        const results = await api.getPage(page++);
        if (results.length === 0) break;
        for (const item of results) yield item;
      }
    }

    engine = new BatchEngine({ batchSize: 50, continueOnError: true, maxRetries: 2 });
    engine.fromRecords(fetchPages());
    await engine.start(async (record) => {
      await healthCheck(record);
    });
    expect(checked).toEqual(['acc-1', 'acc-2', 'p1', 'p2', 'p3']);
  });

  it('Serverless / Chunked Processing with restore()', async () => {
    let result = await handler({});
    let invocations = 1;
    // Each invocation of the example runs until done or 25 s; a few loops cover both outcomes.
    while (!result.done) {
      const jobId = scheduled.at(-1);
      expect(jobId).toBeDefined();
      result = await handler({ jobId: jobId ?? '' });
      invocations += 1;
    }
    expect(invocations).toBeGreaterThanOrEqual(1);
    expect(result).toEqual({ done: true, processed: 250 });
    expect(processedIds).toHaveLength(250);
  });
});
