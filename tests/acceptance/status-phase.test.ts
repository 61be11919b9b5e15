import { describe, expect, it } from 'vitest';
import { BufferSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { DistributedImport } from '../../src/index';
import { RecentRateMeter } from '../../src/control/recent-rate';
import { workerLoop } from '../support/workers';

function csv(rows: number): string {
  const lines = ['email,name'];
  for (let i = 0; i < rows; i += 1) lines.push(`u${i}@example.com,User ${i}`);
  return lines.join('\n');
}

function importer(store: InMemoryDistributedStateStore): DistributedImport {
  return new DistributedImport({
    schema: {
      fields: [
        { name: 'email', type: 'email', required: true },
        { name: 'name', type: 'string', required: true },
      ],
    },
    batchSize: 2,
    stateStore: store,
  });
}

describe('getStatus phase and active workers', () => {
  it('waiting for workers, processing with the workers holding a batch, paused, finished', async () => {
    const store = new InMemoryDistributedStateStore();
    const di = importer(store);
    const { jobId } = await di.prepare(new BufferSource(csv(6)), new CsvParser());

    const waiting = await di.getStatus(jobId);
    expect(waiting.phase).toBe('waiting-for-workers');
    expect(waiting.activeWorkers).toBe(0);

    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const inProcessor = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const running = di.processWorkerBatch(
      jobId,
      async () => {
        entered();
        await gate;
      },
      'worker-a',
    );
    await inProcessor;
    const processing = await di.getStatus(jobId);
    expect(processing.phase).toBe('processing');
    expect(processing.activeWorkers).toBe(1);
    expect(processing.inFlight?.map((b) => b.workerId)).toEqual(['worker-a']);
    release();
    await running;

    // One batch done, none held: nobody is working on the job.
    expect((await di.getStatus(jobId)).phase).toBe('waiting-for-workers');

    await di.pause(jobId);
    expect((await di.getStatus(jobId)).phase).toBe('paused');
    await di.resume(jobId);

    await workerLoop(di, jobId, () => undefined, 'worker-b');
    const finished = await di.getStatus(jobId);
    expect(finished.phase).toBe('finished');
    expect(finished.activeWorkers).toBe(0);
  });
});

describe('RecentRateMeter', () => {
  it('has no rate from one reading', () => {
    expect(new RecentRateMeter().add(0, 0, 100)).toBeUndefined();
  });

  it('measures from the work, not from the idle readings before it', () => {
    const meter = new RecentRateMeter(60_000);
    meter.add(0, 0, 1000); // prepared, no worker yet
    meter.add(10_000, 0, 1000);
    meter.add(20_000, 0, 1000);
    const rate = meter.add(22_000, 200, 800); // 200 records in the 2 s since the last idle reading
    expect(rate?.recordsPerSecond).toBe(100);
    expect(rate?.overMs).toBe(2000);
    expect(rate?.estimatedRemainingMs).toBe(8000);
  });

  it('forgets readings older than the window', () => {
    const meter = new RecentRateMeter(10_000);
    meter.add(0, 0, 10_000);
    meter.add(10_000, 5000, 5000); // fast start: 500/s
    meter.add(20_000, 6000, 4000); // then 100/s
    const rate = meter.add(30_000, 7000, 3000);
    // The oldest reading kept is the newest at least 10 s old: 20 s → 30 s, 100/s.
    expect(rate?.recordsPerSecond).toBe(100);
    expect(rate?.estimatedRemainingMs).toBe(30_000);
  });

  it('reports 0 records/s and no ETA when nothing was done in the window', () => {
    const meter = new RecentRateMeter(10_000);
    meter.add(0, 50, 50);
    const rate = meter.add(5000, 50, 50);
    expect(rate?.recordsPerSecond).toBe(0);
    expect(rate?.estimatedRemainingMs).toBeUndefined();
  });

  it('starts afresh when the count goes back (another job, a restart)', () => {
    const meter = new RecentRateMeter();
    meter.add(0, 500, 0);
    expect(meter.add(1000, 10, 90)).toBeUndefined();
    expect(meter.add(2000, 30, 70)?.recordsPerSecond).toBe(20);
  });

  it('rejects a window that is not a positive number', () => {
    expect(() => new RecentRateMeter(0)).toThrow(/windowMs/);
  });
});
