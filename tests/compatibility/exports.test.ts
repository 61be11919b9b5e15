import { describe, expect, expectTypeOf, it } from 'vitest';
import { InMemoryStateStore } from '@batchactions/core';
import type { SchemaDefinition } from '@batchactions/import';
import * as distributed from '../../src/index';
import {
  DistributedImport,
  isDistributedStateStore,
  type BatchReservation,
  type ClaimBatchFailureReason,
  type ClaimBatchResult,
  type DistributedBatchConfig,
  type DistributedBatchResult,
  type DistributedImportConfig,
  type DistributedJobStatus,
  type DistributedStateStore,
  type PrepareResult,
} from '../../src/index';
import { PublishedPortStore } from './published-port-store';

const schema: SchemaDefinition = { fields: [{ name: 'a', type: 'string', required: false }] };

describe('exports and types, as published', () => {
  it('exports the published values', () => {
    expect(typeof distributed.DistributedImport).toBe('function');
    expect(typeof distributed.isDistributedStateStore).toBe('function');
  });

  it('keeps the published shapes of the exported types', () => {
    expectTypeOf<PrepareResult>().toEqualTypeOf<{
      readonly jobId: string;
      readonly totalRecords: number;
      readonly totalBatches: number;
    }>();
    expectTypeOf<DistributedBatchResult>().toExtend<{
      readonly claimed: boolean;
      readonly batchId?: string;
      readonly batchIndex?: number;
      readonly processedCount: number;
      readonly failedCount: number;
      readonly jobComplete: boolean;
      readonly jobId: string;
    }>();
    expectTypeOf<DistributedBatchConfig>().toEqualTypeOf<{
      readonly schema: SchemaDefinition;
      readonly stateStore: DistributedImportConfig['stateStore'];
      readonly continueOnError?: boolean;
      readonly maxRetries?: number;
      readonly retryDelayMs?: number;
      readonly hooks?: DistributedImportConfig['hooks'];
      readonly duplicateChecker?: DistributedImportConfig['duplicateChecker'];
    }>();
    // Every published option is accepted, and nothing more is required.
    const published: DistributedImportConfig = {
      schema,
      batchSize: 10,
      continueOnError: true,
      stateStore: new PublishedPortStore(),
      maxRetries: 0,
      retryDelayMs: 1000,
      hooks: {},
      staleBatchTimeoutMs: 900_000,
    };
    expect(new DistributedImport(published)).toBeInstanceOf(DistributedImport);
    expectTypeOf<BatchReservation['recordEndIndex']>().toEqualTypeOf<number>();
    expectTypeOf<ClaimBatchFailureReason>().toEqualTypeOf<
      'NO_PENDING_BATCHES' | 'JOB_NOT_FOUND' | 'JOB_NOT_PROCESSING'
    >();
    expectTypeOf<
      Extract<ClaimBatchResult, { claimed: false }>['reason']
    >().toEqualTypeOf<ClaimBatchFailureReason>();
    expectTypeOf<DistributedJobStatus['isComplete']>().toEqualTypeOf<boolean>();
    expectTypeOf<
      DistributedStateStore['tryFinalizeJob']
    >().returns.resolves.toEqualTypeOf<boolean>();
  });

  it('isDistributedStateStore checks the five properties the published guard checks, with `in`', () => {
    const fiveNames = {
      claimBatch: 1,
      releaseBatch: 1,
      getBatchRecords: 1,
      getDistributedStatus: 1,
      tryFinalizeJob: 1,
    };
    expect(isDistributedStateStore(fiveNames as never)).toBe(true);
    const { tryFinalizeJob: _, ...four } = fiveNames;
    expect(isDistributedStateStore(four as never)).toBe(false);
    expect(isDistributedStateStore(new InMemoryStateStore())).toBe(false);
    expect(isDistributedStateStore(new PublishedPortStore())).toBe(true);
  });

  it('rejects a store that is not distributed with the published message, naming what is missing', () => {
    const make = () => new DistributedImport({ schema, stateStore: new InMemoryStateStore() });
    expect(make).toThrow(
      'DistributedImport requires a DistributedStateStore implementation (e.g. SequelizeStateStore). The InMemoryStateStore does not support distributed batch claiming.',
    );
    expect(make).toThrow(/lacks claimBatch, releaseBatch, reclaimStaleBatches/);
    // A store passing the published guard but lacking a method the facade calls fails now,
    // not with a TypeError in the middle of a run (published defect 13).
    const partial = new PublishedPortStore() as Partial<PublishedPortStore>;
    Object.defineProperty(partial, 'saveBatchRecords', { value: undefined });
    expect(() => new DistributedImport({ schema, stateStore: partial as never })).toThrow(
      /lacks saveBatchRecords/,
    );
  });

  it('accepts every published event type in on(), and returns this from on, onAny and offAny', () => {
    const di = new DistributedImport({ schema, stateStore: new PublishedPortStore() });
    const handler = () => undefined;
    const published = [
      'job:started',
      'job:completed',
      'job:paused',
      'job:aborted',
      'job:failed',
      'job:progress',
      'batch:started',
      'batch:completed',
      'batch:failed',
      'record:processed',
      'record:failed',
      'record:retried',
      'chunk:completed',
      'batch:claimed',
      'distributed:prepared',
    ] as const;
    for (const type of published) expect(di.on(type, handler)).toBe(di);
    expect(di.on('batch:claimed', handler)).toBe(di);
    expect(di.onAny(handler)).toBe(di);
    expect(di.offAny(handler)).toBe(di);
  });
});
