import { BatchEngine } from '@batchactions/core';
import { describe, expect, it } from 'vitest';
import { collectEvents, rows } from './helpers';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('BatchEngine with maxConcurrentBatches > 1 (core 6.6)', () => {
  it('runs batches concurrently and processes every record once', async () => {
    const engine = new BatchEngine({ batchSize: 3, maxConcurrentBatches: 4 }).fromRecords(rows(30));
    let running = 0;
    let peak = 0;
    const seen = new Set<number>();
    await engine.start(async (r) => {
      running += 1;
      peak = Math.max(peak, running);
      await tick();
      seen.add(r.id as number);
      running -= 1;
    });
    expect(seen.size).toBe(30);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
    expect(engine.getStatus().progress).toMatchObject({ processedRecords: 30, percentage: 100 });
  });

  it('a failing batch fails the run without an unhandled rejection or events after job:failed (defect 4)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const source = async function* () {
        for (let i = 0; i < 40; i++) {
          await tick();
          yield { id: i };
        }
      };
      const engine = new BatchEngine({ batchSize: 2, maxConcurrentBatches: 3 }).fromRecords(
        source(),
      );
      const events = collectEvents(engine);
      await engine.start(async (r) => {
        await tick();
        if (r.id === 5) throw new Error('bad record');
      });
      await tick();
      expect(engine.getStatus().status).toBe('FAILED');
      const failedAt = events.findIndex((e) => e.type === 'job:failed');
      expect(failedAt).toBe(events.length - 1);
      expect(events[failedAt]).toMatchObject({ error: 'bad record' });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('limits a chunk to the records of batches in flight (defect 5)', async () => {
    const engine = new BatchEngine({ batchSize: 2, maxConcurrentBatches: 4 }).fromRecords(rows(40));
    const result = await engine.processChunk(() => tick(), { maxRecords: 4 });
    expect(result.done).toBe(false);
    expect(result.processedRecords).toBeLessThanOrEqual(8);
    expect(result.processedRecords).toBeGreaterThanOrEqual(4);
  });
});
