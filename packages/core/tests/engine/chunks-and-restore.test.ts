import { BatchEngine, InMemoryStateStore, JobStatus } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { collectEvents, RecordingStore, rows, trace } from './helpers';

async function* generate(n: number): AsyncGenerator<{ id: number }> {
  for (let i = 0; i < n; i++) {
    await Promise.resolve();
    yield { id: i };
  }
}

describe('BatchEngine.processChunk (core 6.8)', () => {
  it('stops at batch granularity, pauses silently, and completes on a later call', async () => {
    const engine = new BatchEngine({ batchSize: 10 }).fromRecords(rows(25));
    const events = collectEvents(engine);
    const first = await engine.processChunk(() => undefined, { maxRecords: 5 });
    expect(first).toMatchObject({
      done: false,
      processedRecords: 10,
      failedRecords: 0,
      totalProcessed: 10,
      totalFailed: 0,
      jobId: engine.getJobId(),
      status: 'PAUSED',
    });
    expect(engine.getStatus().status).toBe(JobStatus.PAUSED);
    expect(events.some((e) => e.type === 'job:paused')).toBe(false);
    const second = await engine.processChunk(() => undefined, { maxRecords: 100 });
    expect(second).toMatchObject({ done: true, processedRecords: 15, totalProcessed: 25 });
    expect(trace(events).slice(-3)).toEqual(['job:progress', 'job:completed', 'chunk:completed']);
    expect(events.at(-1)).toMatchObject({ processedRecords: 15, failedRecords: 0, done: true });
  });

  it('continues a one-shot generator without losing the peeked batch (defect 6)', async () => {
    const seen: number[] = [];
    const engine = new BatchEngine({ batchSize: 5 }).fromRecords(generate(20));
    let result;
    do {
      result = await engine.processChunk(
        (r) => {
          seen.push(r.id as number);
        },
        { maxRecords: 5 },
      );
    } while (!result.done);
    expect(seen).toEqual(rows(20).map((r) => r.id));
    expect(result.totalProcessed).toBe(20);
  });

  it('reports a failed run through status and error (defect 24)', async () => {
    const engine = new BatchEngine().fromRecords(rows(3));
    const result = await engine.processChunk(() => {
      throw new Error('broken');
    });
    expect(result).toMatchObject({ done: false, status: 'FAILED', error: 'broken' });
  });

  it('limits by duration once at least one batch ran', async () => {
    const engine = new BatchEngine({ batchSize: 1 }).fromRecords(rows(3));
    const result = await engine.processChunk(() => undefined, { maxDurationMs: 0 });
    expect(result).toMatchObject({ done: false, processedRecords: 1 });
  });
});

describe('BatchEngine.restore (core 6.10)', () => {
  it('returns null for an unknown job or without a store', async () => {
    expect(await BatchEngine.restore('nope', { stateStore: new InMemoryStateStore() })).toBeNull();
    expect(await BatchEngine.restore('nope', {})).toBeNull();
  });

  it('continues a chunked job on a restored engine, skipping completed batches', async () => {
    const store = new RecordingStore();
    const seen: number[] = [];
    const processor = (r: Record<string, unknown>): void => {
      seen.push(r.id as number);
    };
    const engine = new BatchEngine({ stateStore: store, batchSize: 4, continueOnError: true });
    const first = await engine.fromRecords(rows(10)).processChunk(processor, { maxRecords: 4 });
    expect(first.done).toBe(false);

    const restored = await BatchEngine.restore(first.jobId, { stateStore: store, batchSize: 99 });
    expect(restored).not.toBeNull();
    if (!restored) return;
    expect(restored.getJobId()).toBe(first.jobId);
    expect(restored.getStatus()).toMatchObject({
      status: 'CREATED',
      progress: { processedRecords: 4, totalRecords: 8 },
    });
    const events = collectEvents(restored);
    const second = await restored.fromRecords(rows(10)).processChunk(processor);
    expect(second).toMatchObject({ done: true, totalProcessed: 10, processedRecords: 6 });
    expect(seen).toEqual(rows(10).map((r) => r.id));
    expect(events[0]).toMatchObject({ type: 'job:started', totalBatches: 1 });
    // batchSize comes from the saved job, not from the restore config.
    expect(events.find((e) => e.type === 'batch:started')).toMatchObject({
      batchIndex: 1,
      recordCount: 4,
    });
  });

  it('keeps COMPLETED jobs terminal across restore (defect 9)', async () => {
    const stateStore = new InMemoryStateStore();
    const engine = new BatchEngine({ stateStore });
    await engine.fromRecords(rows(2)).start(() => undefined);
    const restored = await BatchEngine.restore(engine.getJobId(), { stateStore });
    expect(restored?.getStatus().status).toBe('COMPLETED');
    await expect(restored?.fromRecords(rows(2)).start(() => undefined)).rejects.toThrow(
      "Cannot start job from status 'COMPLETED'",
    );
  });

  it('drops batches that were not completed, so their index is redone once (defect 8)', async () => {
    const stateStore = new InMemoryStateStore();
    const engine = new BatchEngine({ stateStore, batchSize: 2 });
    await engine.fromRecords(rows(4)).start((r) => {
      if (r.id === 3) throw new Error('crash');
    });
    expect(engine.getStatus().status).toBe('FAILED');
    const restored = await BatchEngine.restore(engine.getJobId(), { stateStore });
    expect(restored?.getStatus().batches.map((b) => b.index)).toEqual([0]);
    await restored?.fromRecords(rows(4)).start(() => undefined);
    expect(restored?.getStatus()).toMatchObject({
      status: 'COMPLETED',
      progress: { processedRecords: 4, totalBatches: 2 },
    });
  });
});

describe('BatchEngine.count (core 6.3)', () => {
  it('counts without changing the job, and a generator is still processed afterwards (defect 7)', async () => {
    const engine = new BatchEngine().fromRecords(generate(7));
    expect(await engine.count()).toBe(7);
    expect(engine.getStatus().status).toBe('CREATED');
    let seen = 0;
    await engine.start(() => {
      seen += 1;
    });
    expect(seen).toBe(7);
  });

  it('rejects without input', async () => {
    await expect(new BatchEngine().count()).rejects.toThrow('Source and parser must be configured');
  });
});
