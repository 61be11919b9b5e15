import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BatchStatus,
  EventBus,
  InMemoryDistributedStateStore,
  JobStatus,
  type DistributedStateStore,
  type DomainEvent,
  type JobSummary,
} from '@batchactions/core';
import {
  finalizeJob,
  jobSummary,
  recoverJobCompletion,
  reportJobCompletion,
} from '../../src/process/finalize-job';
import { publishedPortOnly } from '../support/stores';

function recordingBus(): { bus: EventBus; events: DomainEvent[] } {
  const bus = new EventBus();
  const events: DomainEvent[] = [];
  bus.onAny((event) => events.push(event));
  return { bus, events };
}

const batch = (index: number, processedCount: number, failedCount: number) => ({
  id: `b${String(index)}`,
  index,
  status: BatchStatus.COMPLETED,
  records: [],
  processedCount,
  failedCount,
});

async function storeWithJob(startedAt?: number): Promise<InMemoryDistributedStateStore> {
  const store = new InMemoryDistributedStateStore();
  await store.saveJobState({
    id: 'job',
    config: { schema: { fields: [] }, batchSize: 5, continueOnError: true },
    status: JobStatus.PROCESSING,
    batches: [batch(0, 3, 1), batch(1, 2, 0)],
    totalRecords: 10,
    ...(startedAt === undefined ? {} : { startedAt }),
  });
  return store;
}

describe('jobSummary', () => {
  it('gives the job total and zeros for an unknown job', async () => {
    expect(await jobSummary(new InMemoryDistributedStateStore(), 'nope', 7)).toEqual({
      total: 7,
      processed: 0,
      failed: 0,
      skipped: 0,
      elapsedMs: 0,
    });
  });

  it('sums the batches, counts the rest as skipped, and times from startedAt', async () => {
    const started = Date.now() - 5_000;
    const summary = await jobSummary(await storeWithJob(started), 'job', 99);
    expect(summary).toMatchObject({ total: 10, processed: 5, failed: 1, skipped: 4 });
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(5_000);
    expect((await jobSummary(await storeWithJob(), 'job', 99)).elapsedMs).toBe(0);
  });
});

describe('reportJobCompletion', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const summary: JobSummary = { total: 1, processed: 1, failed: 0, skipped: 0, elapsedMs: 3 };

  /** A store whose claimJobCompletion fails `failures` times, then answers `answer`. */
  function flaky(failures: number, answer: JobSummary | null) {
    const claimants: string[] = [];
    const store = {
      claimJobCompletion: (_jobId: string, claimant: string) => {
        claimants.push(claimant);
        return claimants.length <= failures
          ? Promise.reject(new Error(`dropped ${String(claimants.length)}`))
          : Promise.resolve(answer);
      },
    } as unknown as Parameters<typeof reportJobCompletion>[0];
    return { store, claimants };
  }

  it('retries a failed claim after 100, 500 and 2000 ms with the same claimant, then reports', async () => {
    vi.useFakeTimers();
    const { store, claimants } = flaky(3, summary);
    const { bus, events } = recordingBus();
    const reported = reportJobCompletion(store, bus, 'job', 'w1');
    await vi.advanceTimersByTimeAsync(99);
    expect(claimants).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(claimants).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(499);
    expect(claimants).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(claimants).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await reported).toBe(true);
    expect(new Set(claimants).size).toBe(1);
    expect(claimants[0]).toMatch(/^w1\/[0-9a-f-]{36}$/);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'job:completed', jobId: 'job', summary });
  });

  it('rejects with the last error when every try fails, emitting nothing', async () => {
    vi.useFakeTimers();
    const { store, claimants } = flaky(4, summary);
    const { bus, events } = recordingBus();
    const reported = reportJobCompletion(store, bus, 'job', 'w1');
    const outcome = reported.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(2600);
    expect(((await outcome) as Error).message).toBe('dropped 4');
    expect(claimants).toHaveLength(4);
    expect(events).toEqual([]);
  });

  it('reports nothing when another claimant already reported', async () => {
    const { store } = flaky(0, null);
    const { bus, events } = recordingBus();
    expect(await reportJobCompletion(store, bus, 'job', 'w1')).toBe(false);
    expect(events).toEqual([]);
  });
});

describe('finalizeJob and recoverJobCompletion', () => {
  it('does nothing while the job cannot be finalised', async () => {
    const store = new InMemoryDistributedStateStore();
    await store.saveJobState({
      id: 'job',
      config: { schema: { fields: [] }, batchSize: 5, continueOnError: true },
      status: JobStatus.PROCESSING,
      batches: [{ ...batch(0, 0, 0), status: BatchStatus.PENDING }],
      totalRecords: 5,
      distributed: true,
    });
    const { bus, events } = recordingBus();
    expect(await finalizeJob(store, bus, 'job', 5, 'w1')).toBe(false);
    expect(events).toEqual([]);
  });

  it('on a published-port store, the winner reads the job back and emits the summary', async () => {
    const store: DistributedStateStore = publishedPortOnly(await storeWithJob(Date.now()));
    const { bus, events } = recordingBus();
    expect(await finalizeJob(store, bus, 'job', 10, 'w1')).toBe(true);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'job:completed',
      jobId: 'job',
      summary: { total: 10, processed: 5, failed: 1, skipped: 4 },
    });
    expect(events[0]).not.toHaveProperty('reason');
    expect(await recoverJobCompletion(store, bus, 'job', 'w2')).toBe(false);
    expect(events).toHaveLength(1);
  });
});
