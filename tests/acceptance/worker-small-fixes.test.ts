import { describe, expect, it } from 'vitest';
import { BufferSource, InMemoryDistributedStateStore } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { BackgroundErrorHandlerWarning, DistributedImport } from '../../src/index';
import { barrier, connectionLost, interceptStore } from '../support/store-wrapper';
import { usersCsv, usersSchema } from '../support/workers';

/** Resolves with the next process warning that is a BackgroundErrorHandlerWarning. */
function nextBackgroundHandlerWarning(): Promise<BackgroundErrorHandlerWarning> {
  return new Promise((resolve) => {
    const listener = (warning: Error) => {
      if (!(warning instanceof BackgroundErrorHandlerWarning)) return;
      process.off('warning', listener);
      resolve(warning);
    };
    process.on('warning', listener);
  });
}

describe('issue 20, smaller items', () => {
  it('a throwing onBackgroundError becomes a warning; the worker finishes its batch', async () => {
    const store = new InMemoryDistributedStateStore();
    // The first heartbeat fails as a dropped connection would; the callback then throws.
    const handlerCalled = barrier();
    let beats = 0;
    const worker = new DistributedImport({
      schema: usersSchema,
      batchSize: 5,
      heartbeatIntervalMs: 1,
      stateStore: interceptStore(store, {
        heartbeatBatch: (real, lease) => {
          beats += 1;
          return beats === 1 ? Promise.reject(connectionLost()) : real(lease);
        },
      }),
      onBackgroundError: () => {
        handlerCalled.open();
        throw new Error('the callback itself failed');
      },
    });
    const { jobId } = await worker.prepare(new BufferSource(usersCsv(5)), new CsvParser());
    const warned = nextBackgroundHandlerWarning();
    const result = await worker.processWorkerBatch(
      jobId,
      // The batch stays in flight until the callback has thrown.
      () => handlerCalled.opened,
      'w',
    );
    const warning = await warned;
    expect(warning.handlerError).toMatchObject({ message: 'the callback itself failed' });
    expect(warning.cause).toMatchObject({ code: 'ECONNRESET' });
    expect(warning.message).toContain('onBackgroundError');
    expect(result).toMatchObject({ claimed: true, processedCount: 5, jobComplete: true });
    expect((await worker.getStatus(jobId)).status).toBe('COMPLETED');
  });

  it('releases a batch stopped by its signal with the attempt it was claimed at', async () => {
    const store = new InMemoryDistributedStateStore();
    const releases: unknown[][] = [];
    const worker = new DistributedImport({
      schema: usersSchema,
      batchSize: 5,
      stateStore: interceptStore(store, {
        releaseBatch: (real, jobId, batchId, workerId, attempt) => {
          releases.push([jobId, batchId, workerId, attempt]);
          return real(jobId, batchId, workerId, attempt);
        },
      }),
    });
    const { jobId } = await worker.prepare(new BufferSource(usersCsv(10)), new CsvParser());
    // A first claim of batch 0 is reclaimed, so the worker's next claim is attempt 2.
    expect((await store.claimBatch(jobId, 'w')).claimed).toBe(true);
    expect(await store.reclaimStaleBatches(jobId, 0)).toBe(1);
    const stop = new AbortController();
    const result = await worker.processWorkerBatch(
      jobId,
      () => {
        stop.abort(new Error('deploy'));
      },
      'w',
      { signal: stop.signal },
    );
    expect(result).toMatchObject({ claimed: true, released: true, batchIndex: 0 });
    expect(releases).toEqual([[jobId, result.batchId, 'w', 2]]);
  });
});
