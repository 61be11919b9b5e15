import { BatchEngine, JobStatus } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { collectEvents, RecordingStore, rows, trace } from './helpers';

/**
 * A pause() started inside the run, handed to the test: the test waits for the call itself to
 * happen and settle, never for wall-clock time (a fixed sleep lost the race on a loaded machine).
 */
function handOver(): { give: (pausing: Promise<void>) => void; taken: Promise<void> } {
  let give!: (pausing: Promise<void>) => void;
  const taken = new Promise<void>((resolve) => {
    give = resolve;
  });
  return { give, taken };
}

describe('BatchEngine pause, resume, abort (core 6.7)', () => {
  it('pause() holds the run before the next record; resume() continues it', async () => {
    const engine = new BatchEngine({ batchSize: 2 }).fromRecords(rows(4));
    const events = collectEvents(engine);
    const seen: number[] = [];
    const pause = handOver();
    const done = engine.start((r) => {
      seen.push(r.id as number);
      if (r.id === 1) pause.give(engine.pause());
    });
    await pause.taken;
    expect(engine.getStatus().status).toBe(JobStatus.PAUSED);
    expect(seen).toEqual([0, 1]);
    const pausedEvent = events.find((e) => e.type === 'job:paused');
    expect(pausedEvent).toMatchObject({ progress: { processedRecords: 1 } });
    engine.resume();
    await done;
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(engine.getStatus().status).toBe(JobStatus.COMPLETED);
    expect(trace(events).filter((t) => t.startsWith('job:'))).toEqual([
      'job:started',
      'job:paused',
      'job:progress',
      'job:progress',
      'job:completed',
    ]);
  });

  it('rejects pause/resume/abort from the wrong status with the published messages', async () => {
    const engine = new BatchEngine().fromRecords(rows(1));
    await expect(engine.pause()).rejects.toThrow("Cannot pause job from status 'CREATED'");
    expect(() => {
      engine.resume();
    }).toThrow("Cannot resume job from status 'CREATED'");
    await expect(engine.abort()).rejects.toThrow("Cannot abort job from status 'CREATED'");
    await engine.start(() => undefined);
    await expect(engine.abort()).rejects.toThrow("Cannot abort job from status 'COMPLETED'");
  });

  it('abort() aborts the signal, stops taking records, and saves ABORTED', async () => {
    const store = new RecordingStore();
    const engine = new BatchEngine({ batchSize: 2, stateStore: store }).fromRecords(rows(6));
    const events = collectEvents(engine);
    const signals: AbortSignal[] = [];
    let aborting: Promise<void> | undefined;
    await engine.start((r, ctx) => {
      signals.push(ctx.signal);
      if (r.id === 2) aborting = engine.abort();
    });
    await aborting;
    expect(signals.length).toBe(3);
    expect(signals[2]?.aborted).toBe(true);
    expect(engine.getStatus().status).toBe(JobStatus.ABORTED);
    expect(() => {
      engine.resume();
    }).toThrow('Cannot resume an aborted job');
    // Defect 3: the batch cut short is not recorded COMPLETED, and no batch event follows job:aborted.
    // The record in flight when abort() was called finishes normally, as published.
    const types = trace(events);
    expect(types.slice(types.indexOf('job:aborted'))).toEqual([
      'job:aborted',
      'record:processed#2',
    ]);
    expect(engine.getStatus().batches.map((b) => [b.index, b.status])).toEqual([
      [0, 'COMPLETED'],
      [1, 'PAUSED'],
    ]);
    expect(store.calls.at(-1)).toBe('saveJobState:ABORTED');
    expect(events.some((e) => e.type === 'job:completed' || e.type === 'job:failed')).toBe(false);
  });

  it('abort while paused processes no further record (defect 2)', async () => {
    const engine = new BatchEngine({ batchSize: 10 }).fromRecords(rows(5));
    const seen: number[] = [];
    const pause = handOver();
    const done = engine.start((r) => {
      seen.push(r.id as number);
      if (r.id === 1) pause.give(engine.pause());
    });
    await pause.taken;
    await engine.abort();
    await done;
    expect(seen).toEqual([0, 1]);
  });

  it('a pause after the last record holds the run until resume, then completes (defect 11)', async () => {
    const engine = new BatchEngine({ batchSize: 2 }).fromRecords(rows(2));
    const pause = handOver();
    engine.on('batch:completed', () => {
      pause.give(engine.pause());
    });
    let settled = false;
    const done = engine
      .start(() => undefined)
      .then(() => {
        settled = true;
      });
    await pause.taken;
    expect(settled).toBe(false);
    expect(engine.getStatus().status).toBe('PAUSED');
    engine.resume();
    await done;
    expect(engine.getStatus().status).toBe('COMPLETED');
  });

  it('cuts a retry backoff short on abort (defect 25)', async () => {
    const engine = new BatchEngine({ maxRetries: 5, retryDelayMs: 60_000, continueOnError: true });
    engine.fromRecords(rows(1));
    let attempts = 0;
    engine.on('record:retried', () => {
      void engine.abort();
    });
    await engine.start(() => {
      attempts += 1;
      throw new Error('down');
    });
    expect(attempts).toBe(1);
    expect(engine.getStatus().status).toBe('ABORTED');
  });
});
