import { describe, expect, it } from 'vitest';
import {
  BufferSource,
  InMemoryDistributedStateStore,
  InvalidOptionError,
  UnsupportedByStoreError,
} from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { PostgresStateStore } from '@batchactions/state-postgres';
import { SqliteStateStore } from '@batchactions/state-sqlite';
import { DistributedImport, runWorker } from '../../src/index';
import { publishedPortOnly } from '../support/stores';
import { usersCsv, usersSchema } from '../support/workers';

/** Runs `make` and returns the error it threw (synchronously or as a rejection). */
async function errorOf(make: () => unknown): Promise<unknown> {
  try {
    await make();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, got none');
}

/** The error is the named InvalidOptionError for `option` (never a TypeError). */
function expectNamed(error: unknown, option: string): void {
  expect(error).toBeInstanceOf(InvalidOptionError);
  expect((error as InvalidOptionError).option).toBe(option);
  expect((error as Error).message).toContain(`Invalid option "${option}"`);
}

const stateStore = new InMemoryDistributedStateStore();
const make = (extra: Record<string, unknown>) => () =>
  new DistributedImport({ schema: usersSchema, stateStore, ...extra });

describe('null options get the named InvalidOptionError', () => {
  it.each([
    'batchSize',
    'continueOnError',
    'maxRetries',
    'retryDelayMs',
    'staleBatchTimeoutMs',
    'coerceValues',
    'jobWideUniqueFields',
    'maxBatchAttempts',
    'heartbeatIntervalMs',
    'leaseTimeoutMs',
    'recordTimeoutMs',
    'recordConcurrency',
    'failureThreshold',
    'cancelCheckIntervalMs',
    'prepareHeartbeatIntervalMs',
    'prepareTimeoutMs',
    'completionTakeOverAfterMs',
    'hooks',
    'duplicateChecker',
    'onBackgroundError',
    'onHandlerError',
    'schema',
    'stateStore',
  ])('DistributedImport option %s: null', async (option) => {
    expectNamed(await errorOf(make({ [option]: null })), option);
  });

  it('DistributedImport with a null config', async () => {
    expectNamed(await errorOf(() => new DistributedImport(null as never)), 'config');
  });

  it.each([
    'workerId',
    'concurrency',
    'stopSignal',
    'abortSignal',
    'remainingTimeMs',
    'deadlineMarginMs',
    'onBatch',
    'waitForOthers',
    'stopWhenPaused',
    'pollIntervalMs',
  ])('runWorker option %s: null', async (option) => {
    const di = make({})();
    expectNamed(
      await errorOf(() => runWorker(di, 'job', () => undefined, { [option]: null })),
      option,
    );
  });

  it.each([
    ['stopSignal', {}],
    ['abortSignal', 'stop'],
    ['onBatch', 'log'],
    ['workerId', ''],
    ['concurrency', 1.5],
  ])('runWorker option %s of the wrong type (%j)', async (option, value) => {
    const di = make({})();
    expectNamed(
      await errorOf(() => runWorker(di, 'job', () => undefined, { [option]: value })),
      option,
    );
  });

  it('runWorker and processWorkerBatch with null options, and processWorkerBatch with a null or foreign signal', async () => {
    const di = make({})();
    expectNamed(
      await errorOf(() => runWorker(di, 'job', () => undefined, null as never)),
      'options',
    );
    expectNamed(
      await errorOf(() => di.processWorkerBatch('job', () => undefined, 'w', null as never)),
      'options',
    );
    for (const signal of [null, {}, 'abort']) {
      expectNamed(
        await errorOf(() =>
          di.processWorkerBatch('job', () => undefined, 'w', { signal } as never),
        ),
        'signal',
      );
    }
  });

  it('processWorkerBatch still runs without options and with a real signal', async () => {
    const di = make({ batchSize: 2, coerceValues: true })();
    const { jobId } = await di.prepare(new BufferSource(usersCsv(4)), new CsvParser());
    const first = await di.processWorkerBatch(jobId, () => undefined, 'w');
    expect(first).toMatchObject({ claimed: true, processedCount: 2 });
    const second = await di.processWorkerBatch(jobId, () => undefined, 'w', {
      signal: new AbortController().signal,
    });
    expect(second).toMatchObject({ claimed: true, processedCount: 2, jobComplete: true });
  });

  it.each([
    [null, 'options'],
    [{ filename: null }, 'filename'],
    [{ filename: 'x.sqlite', busyTimeoutMs: null }, 'busyTimeoutMs'],
    [{ database: null }, 'database'],
  ])('SqliteStateStore(%j)', async (options, option) => {
    expectNamed(await errorOf(() => new SqliteStateStore(options as never)), option);
  });

  it.each([
    [null, 'options'],
    [{ connectionString: null }, 'connectionString'],
    [{ connectionString: 'postgres://u@h/db', schema: null }, 'schema'],
    [{ connectionString: 'postgres://u@h/db', poolSize: null }, 'poolSize'],
    [{ connectionString: 'postgres://u@h/db', connectTimeoutMs: null }, 'connectTimeoutMs'],
    [{ connectionString: 'postgres://u@h/db', onPoolError: null }, 'onPoolError'],
    [{ pool: null }, 'pool'],
  ])('PostgresStateStore(%j)', async (options, option) => {
    expectNamed(await errorOf(() => new PostgresStateStore(options as never)), option);
  });
});

describe('an option the store cannot honour is an error naming it', () => {
  const published = publishedPortOnly(new InMemoryDistributedStateStore());
  const onPublished = (extra: Record<string, unknown>) => () =>
    new DistributedImport({
      schema: usersSchema,
      stateStore: published,
      ...extra,
    });

  it.each([
    ['failureThreshold', { count: 3 }, 'updateJobStatus'],
    ['jobWideUniqueFields', true, 'claimUniqueValues'],
    ['heartbeatIntervalMs', 1000, 'heartbeatBatch'],
    ['leaseTimeoutMs', 30_000, 'heartbeatBatch'],
  ])('%s on a store with only the published port', async (option, value, method) => {
    const error = await errorOf(onPublished({ [option]: value }));
    expect(error).toBeInstanceOf(UnsupportedByStoreError);
    expect((error as UnsupportedByStoreError).method).toBe(method);
    expect((error as Error).message).toMatch(new RegExp(`^${option} needs .*"${method}"`));
  });

  it('the same options are accepted on a store that has the methods', () => {
    expect(
      make({
        failureThreshold: { count: 3 },
        jobWideUniqueFields: true,
        heartbeatIntervalMs: 1000,
        leaseTimeoutMs: 30_000,
      }),
    ).not.toThrow();
    // And the published options alone work on the published port.
    expect(onPublished({ batchSize: 10, staleBatchTimeoutMs: 1000 })).not.toThrow();
  });
});

describe('a takeover bound that cannot be safe against the prepare heartbeat', () => {
  const importer = (extra: Record<string, unknown> = {}) =>
    new DistributedImport({
      schema: usersSchema,
      stateStore: new InMemoryDistributedStateStore(),
      prepareHeartbeatIntervalMs: 1000,
      ...extra,
    });
  const resume = (di: DistributedImport, options?: Record<string, unknown>) => () =>
    di.resumePrepare('some-job', new BufferSource(usersCsv(3)), new CsvParser(), options);

  it.each([1, 999, 1999])('takeOverAfterMs %d (below twice the heartbeat interval)', async (ms) => {
    const error = await errorOf(resume(importer(), { takeOverAfterMs: ms }));
    expectNamed(error, 'takeOverAfterMs');
    expect((error as Error).message).toContain(
      'expected 0 (take over at once) or at least 2000 ms, twice prepareHeartbeatIntervalMs (1000 ms)',
    );
  });

  it('the default from a prepareTimeoutMs below twice the heartbeat interval names prepareTimeoutMs', async () => {
    expectNamed(await errorOf(resume(importer({ prepareTimeoutMs: 1500 }))), 'prepareTimeoutMs');
  });

  it.each([0, 2000, 60_000])(
    'takeOverAfterMs %d is accepted (the job is then looked for)',
    async (ms) => {
      const error = await errorOf(resume(importer(), { takeOverAfterMs: ms }));
      expect((error as Error).name).toBe('JobNotFoundError');
    },
  );
});
